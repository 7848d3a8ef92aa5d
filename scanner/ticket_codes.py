"""Reading the server's signed ticket codes, so a gate can check them offline.

Wire format, version 1 (the server writes it, see checkin/tickets/codes.py): base32
without padding, 120 characters, of 75 bytes:

    byte 0       format version (1)
    bytes 1-4    key id (big-endian), names the event's signing key
    bytes 5-8    ticket serial within the event
    bytes 9-10   ticket generation
    bytes 11-74  Ed25519 signature over bytes 0-10

Barcodes printed by other systems travel in the gate pack only as keyed hashes
(barcode_digest): HMAC-SHA256 with the event's pack key, hex, the first 16 bytes,
over the code's UTF-8 text exactly as scanned. A gate hashes what it reads and
looks the hash up; the pack itself holds no code that would let anyone in.

Parsing and verifying live here, for the gate client and the server alike;
the server's signing side is checkin/tickets/codes.py. This package never imports
the web app.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["BODY", "CODE_LENGTH", "VERSION", "Claim", "PublicKey", "barcode_digest", "load_key", "parse", "signed_by"]

VERSION = 1
CODE_LENGTH = 120
BODY = struct.Struct(">BIIH")  # version, key id, serial, generation

PublicKey = Ed25519PublicKey


@dataclass(frozen=True)
class Claim:
    """What a code says about itself, before its signature is checked."""

    kid: int
    serial: int
    generation: int
    body: bytes
    signature: bytes


def parse(text: str) -> Claim | None:
    """The claim a code makes; None when the text is not a code in our format."""
    if len(text) != CODE_LENGTH:
        return None
    try:
        raw = base64.b32decode(text, casefold=True)
    except (binascii.Error, ValueError):
        return None
    version, kid, serial, generation = BODY.unpack_from(raw)
    if version != VERSION:
        return None
    return Claim(kid, serial, generation, raw[: BODY.size], raw[BODY.size:])


def load_key(raw: bytes) -> PublicKey:
    """A raw 32-byte Ed25519 public key, loaded once to check many codes; ValueError if malformed."""
    return Ed25519PublicKey.from_public_bytes(raw)


def signed_by(claim: Claim, key: PublicKey) -> bool:
    """True when the claim's signature is valid for this key (a forged code is not)."""
    try:
        key.verify(claim.signature, claim.body)
    except InvalidSignature:
        return False
    return True


def barcode_digest(key: bytes, text: str) -> str:
    """A foreign barcode as the gate pack carries it: HMAC-SHA256 under the pack key, 32 hex digits."""
    return hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]
