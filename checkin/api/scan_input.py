"""The scan body, validated cheaply: a gate sends it on every scan.

ScanIn (marshmallow) costs more CPU than the rest of a scan's request handling
together. A plain body, the one every gate sends, is checked here by hand
against the same rules; anything else goes through ScanIn, so a bad body gets
the same problem+json answer naming the bad field as before.
"""
from apiflask.schema_adapters.marshmallow import parser
from flask import request
from marshmallow import ValidationError

from .schemas import CODE, ScanIn, printable

_TEXT_LIMITS = {"code": 512, "nonce": 64, "device": 64}  # ScanIn's Length(1, n) on printable text
_SCAN_IN = ScanIn()


def scan_body(data) -> dict:
    """The validated scan body (as ScanIn would load it), or a 422 naming the bad field."""
    if _plain(data):
        return dict(data)
    return parser.parse(_SCAN_IN, request, location="json")


def _plain(data) -> bool:
    """True when ScanIn would load `data` unchanged: known fields only, right types, within limits."""
    if not isinstance(data, dict) or "code" not in data or "gate" not in data:
        return False
    for name, value in data.items():
        if name in _TEXT_LIMITS:
            if not _text_ok(value, _TEXT_LIMITS[name]):
                return False
        elif name == "gate":
            if not isinstance(value, str) or CODE.regex.match(value) is None:
                return False
        elif name == "direction":
            if value not in ("in", "out"):
                return False
        elif name != "offline" or type(value) is not bool:
            return False  # scanned_at, unknown fields, a non-boolean offline: ScanIn decides
    return True


def _text_ok(value, max_len: int) -> bool:
    if not isinstance(value, str) or not 1 <= len(value) <= max_len:
        return False
    try:
        printable(value)
    except ValidationError:
        return False
    return True
