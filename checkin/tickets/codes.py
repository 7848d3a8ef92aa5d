"""Signed ticket codes: what a QR carries.

The wire format (version, key id, serial and generation signed with Ed25519,
base32 so QR's alphanumeric mode applies) is read by scanner/ticket_codes.py,
which the gate client shares and verifies with an event's public key; this
module makes keys, signs codes and checks them on the server. No personal
data is in a code. A code that does not parse or verify is simply not ours.
"""
import base64
import hmac
import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from scanner.ticket_codes import BODY, CODE_LENGTH, VERSION, Claim
from scanner.ticket_codes import parse as peek

__all__ = ["CODE_LENGTH", "MAX_GENERATION", "Claim", "Signer", "new_key_pair", "peek"]

MAX_GENERATION = 0xFFFF


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
        body = BODY.pack(VERSION, self.kid, serial, generation)
        return base64.b32encode(body + self._key.sign(body)).decode("ascii")

    def issued(self, claim: Claim) -> bool:
        """True when this key signed the claim, checked by signing its body again.

        Ed25519 signatures are deterministic (RFC 8032): a code this key signed
        carries exactly the signature signing gives now, and only the key's holder
        can make it. Signing costs a third of verifying, and the server checks
        every scan; gates verify with the public key (scanner.ticket_codes.signed_by)."""
        return claim.kid == self.kid and hmac.compare_digest(self._key.sign(claim.body), claim.signature)

