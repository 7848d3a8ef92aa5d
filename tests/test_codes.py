"""The server's check of a code (signing its body again) accepts exactly what the gates' Ed25519 check accepts."""
import base64
import random

from checkin.tickets import codes
from scanner.ticket_codes import load_key, signed_by


def _mutants(code: str, n: int = 300):
    """The code with one bit flipped, anywhere in its body or signature."""
    raw = bytearray(base64.b32decode(code))
    rng = random.Random(7)
    for _ in range(n):
        bit = rng.randrange(len(raw) * 8)
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        yield base64.b32encode(bytes(flipped)).decode()


def test_signing_again_agrees_with_verifying():
    kid, private, public = codes.new_key_pair()
    signer = codes.Signer(kid, private)
    key = load_key(public)
    genuine = [signer.code(serial, generation) for serial, generation in ((1, 0), (2, 3), (2**31, 65535))]
    checked = 0
    for code in genuine:
        assert signer.issued(codes.peek(code)) and signed_by(codes.peek(code), key)
        for mutant in _mutants(code):
            claim = codes.peek(mutant)
            if claim is None:  # the flip changed the version: not a code at all
                continue
            assert signer.issued(claim) is signed_by(claim, key) is False
            checked += 1
    assert checked > 500


def test_a_code_from_another_key_under_the_same_id_is_not_issued():
    kid, private, _ = codes.new_key_pair()
    _, other_private, _ = codes.new_key_pair()
    forged = codes.Signer(kid, other_private).code(5, 0)
    assert not codes.Signer(kid, private).issued(codes.peek(forged))


def test_a_code_under_another_key_id_is_not_issued():
    kid, private, _ = codes.new_key_pair()
    other = codes.Signer(kid + 1, private).code(5, 0)  # same key, but it names another key id
    assert not codes.Signer(kid, private).issued(codes.peek(other))
