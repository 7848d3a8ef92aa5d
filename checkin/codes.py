"""Signed ticket codes: what a QR carries.

Wire format, version 1 (75 bytes, base32 without padding = 120 characters,
all in QR's alphanumeric set so the symbol stays small):

    byte 0       format version (1)
    bytes 1-4    key id (big-endian), names the event's signing key
    bytes 5-8    ticket serial within the event
    bytes 9-10   ticket generation
    bytes 11-74  Ed25519 signature over bytes 0-10

No personal data is in the code; any holder of the public key can verify it
offline. A code that does not parse or verify is simply not ours.
"""
import base64
import binascii
import secrets
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = 1
_BODY = struct.Struct(">BIIH")
CODE_LENGTH = 120
MAX_GENERATION = 0xFFFF


@dataclass(frozen=True)
class Claim:
    """What a code says about itself; `raw` is the decoded bytes, kept for verify()."""

    kid: int
    serial: int
    generation: int
    raw: bytes = b""


def new_key_pair() -> tuple[int, bytes, bytes]:
    """A fresh (kid, private, public) triple for an event."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw = private.private_bytes_raw()
    return secrets.randbelow(2**31 - 1) + 1, raw, public


class Signer:
    """Signs codes with one event key; build once per batch, the key load is not free."""

    def __init__(self, kid: int, private_key: bytes):
        self.kid = kid
        self._key = Ed25519PrivateKey.from_private_bytes(private_key)

    def code(self, serial: int, generation: int) -> str:
        """The code text for this ticket serial and generation."""
        body = _BODY.pack(VERSION, self.kid, serial, generation)
        return base64.b32encode(body + self._key.sign(body)).decode("ascii")


def peek(code: str) -> Claim | None:
    """The claim a code makes, unverified; None when it is not in our format."""
    if len(code) != CODE_LENGTH:
        return None
    try:
        raw = base64.b32decode(code, casefold=True)
    except (binascii.Error, ValueError):
        return None
    version, kid, serial, generation = _BODY.unpack_from(raw)
    if version != VERSION:
        return None
    return Claim(kid, serial, generation, raw)


PublicKey = Ed25519PublicKey


def public_key(raw: bytes) -> PublicKey:
    """Load a raw 32-byte public key once, to verify many codes with it."""
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(code: str | Claim, key: PublicKey | bytes) -> bool:
    """True when the code's signature is valid for this public key."""
    raw = code.raw if isinstance(code, Claim) else base64.b32decode(code, casefold=True)
    if isinstance(key, bytes):
        key = public_key(key)
    try:
        key.verify(raw[_BODY.size:], raw[: _BODY.size])
    except InvalidSignature:
        return False
    return True
