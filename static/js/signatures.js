// Ed25519 signature checks for the gate's offline judge, with one answer on every origin.
// WebCrypto where the browser has Ed25519 and it gives the known answers below; elsewhere the
// vendored noble-ed25519, hashing with noble-hashes' SHA-512: a tablet on plain HTTP at the
// venue's LAN address is not a secure context, so it has no crypto.subtle at all (no digest
// either). Both reject what RFC 8032 rejects (a scalar S >= L, a point that does not decode).
// noble's strict mode (zip215: false) also refuses small-order keys and checks the cofactored
// equation; that differs from WebCrypto only for signatures the key's holder alone could make.
// Whatever goes wrong while checking, the answer is "not signed".

import * as ed from "/static/vendor/noble-ed25519/index.js";
import { sha512 } from "/static/vendor/noble-hashes/sha2.js";

ed.hashes.sha512 = sha512;

const bytes = (hex) => Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
// RFC 8032 section 7.1, test 2: a signature WebCrypto must accept, and refuse once altered.
const KNOWN = {
  key: bytes("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
  message: bytes("72"),
  signature: bytes("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                   + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
};

let webCrypto = null;  // the promise of knownAnswers(), asked once per page

/** True when this browser's WebCrypto checks Ed25519: it is there and gives the known answers. */
export function webCryptoWorks() {
  webCrypto ??= knownAnswers().catch(() => false);
  return webCrypto;
}

async function knownAnswers() {
  if (!globalThis.crypto?.subtle) return false;
  const key = await crypto.subtle.importKey("raw", KNOWN.key, { name: "Ed25519" }, false, ["verify"]);
  const altered = KNOWN.signature.slice();
  altered[5] ^= 1;
  return (await crypto.subtle.verify("Ed25519", key, KNOWN.signature, KNOWN.message)) === true
    && (await crypto.subtle.verify("Ed25519", key, altered, KNOWN.message)) === false;
}

/** Whether `signature` is `publicKey`'s over `message`, by the vendored code alone; false on any error. */
export function verifyVendored(publicKey, signature, message) {
  try {
    return ed.verify(signature, message, publicKey, { zip215: false }) === true;
  } catch {
    return false;
  }
}

/** A check for one raw 32-byte public key: (signature, message) => Promise<boolean>. */
export async function verifier(publicKey) {
  const key = (await webCryptoWorks()) && (await importForWebCrypto(publicKey));
  if (!key) {
    verifyVendored(KNOWN.key, KNOWN.signature, KNOWN.message);  // builds noble's tables now, not at the first scan
    return async (signature, message) => verifyVendored(publicKey, signature, message);
  }
  return (signature, message) => crypto.subtle.verify("Ed25519", key, signature, message)
    .then((valid) => valid === true, () => verifyVendored(publicKey, signature, message));
}

async function importForWebCrypto(publicKey) {
  try {
    return await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return null;  // a key WebCrypto will not take: the vendored check decides, and refuses it if malformed
  }
}
