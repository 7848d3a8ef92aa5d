"""static/js/signatures.js against Python's `cryptography`, in Chromium: a few hundred keys and
messages, signed, then altered (a bit of the signature, message or key, another key, S + L).

On 127.0.0.1 (a secure context) the page's check is WebCrypto's, and the vendored code is asked
too; on a LAN name over plain HTTP there is no crypto.subtle and the vendored code is the check.
Every answer must be Python's.
"""
import random

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

pytestmark = pytest.mark.browser

ORDER = 2**252 + 27742317777372353535851937790883648493  # L, the order of Ed25519's base point
ALTERATIONS = ("none", "signature_bit", "message_bit", "key_bit", "other_key", "s_plus_l")
CASES = 360

CHECK_ALL = """async (cases) => {
  const m = await import("/static/js/signatures.js");
  const bytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (b) => parseInt(b, 16));
  const out = [];
  for (const c of cases) {
    const [key, signature, message] = [bytes(c.key), bytes(c.signature), bytes(c.message)];
    const check = await m.verifier(key);
    out.push({ page: await check(signature, message), vendored: m.verifyVendored(key, signature, message) });
  }
  return { webCrypto: await m.webCryptoWorks(), answers: out };
}"""

def raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def flip_bit(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    bit = rng.randrange(len(out) * 8)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def python_says(key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def make_cases(seed: int = 8032) -> list[dict]:
    """Signed messages (empty, code-sized or longer), each altered one way or left alone, with Python's answer."""
    rng = random.Random(seed)
    cases = []
    for i in range(CASES):
        alteration = ALTERATIONS[i % len(ALTERATIONS)]
        private = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
        length = rng.choice([0, 11, rng.randrange(1, 300)])
        message = rng.randbytes(max(length, 1) if alteration == "message_bit" else length)
        key, signature = raw_public(private), private.sign(message)
        if alteration == "signature_bit":
            signature = flip_bit(signature, rng)
        elif alteration == "message_bit":
            message = flip_bit(message, rng)
        elif alteration == "key_bit":
            key = flip_bit(key, rng)
        elif alteration == "other_key":
            key = raw_public(Ed25519PrivateKey.from_private_bytes(rng.randbytes(32)))
        elif alteration == "s_plus_l":
            s = int.from_bytes(signature[32:], "little") + ORDER
            signature = signature[:32] + s.to_bytes(32, "little")
        cases.append({"alteration": alteration, "key": key.hex(), "signature": signature.hex(),
                      "message": message.hex(), "valid": python_says(key, signature, message)})
    return cases


def opened(browser, origin: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{origin}/")
    return context, page


def test_python_holds_exactly_the_unaltered_cases_valid():
    assert all(c["valid"] is (c["alteration"] == "none") for c in make_cases())


def test_webcrypto_and_the_vendored_code_agree_with_python_on_a_secure_origin(browser, live_app):
    cases = make_cases()
    context, page = opened(browser, live_app.config["LIVE_URL"])
    result = page.evaluate(CHECK_ALL, cases)
    context.close()
    assert result["webCrypto"] is True
    for case, answer in zip(cases, result["answers"], strict=True):
        assert answer == {"page": case["valid"], "vendored": case["valid"]}, case


def test_the_vendored_code_agrees_with_python_over_plain_http(lan, live_app):
    cases = make_cases(seed=25519)
    port = live_app.config["LIVE_URL"].rsplit(":", 1)[1]
    context, page = opened(lan.browser, lan.origin(port))
    assert page.evaluate("crypto.subtle") is None
    result = page.evaluate(CHECK_ALL, cases)
    context.close()
    assert result["webCrypto"] is False
    for case, answer in zip(cases, result["answers"], strict=True):
        assert answer == {"page": case["valid"], "vendored": case["valid"]}, case
