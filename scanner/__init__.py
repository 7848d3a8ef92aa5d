"""QR decoding for the gate: still images, uploaded image bytes and live camera frames.

`decode(image)` is the one entry point the gate client and the server's
`/scans/frame` endpoint share. This package never imports the web app.

The decoding names below are loaded on first use (PEP 562), so the modules
that need no image work (`scanner.rules`, `scanner.ticket_codes`, the gate
pack) import without NumPy or OpenCV: the server's scan path uses them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.backends import Decoder, Symbol, get_decoder
    from scanner.decoding import DEFAULT_BUDGET_MS, Reading, decode, decode_bytes, read, read_bytes
    from scanner.reader import FrameReader

__all__ = ["DEFAULT_BUDGET_MS", "Decoder", "FrameReader", "Reading", "Symbol", "decode", "decode_bytes", "get_decoder",
           "read", "read_bytes"]

_HOMES = {
    "DEFAULT_BUDGET_MS": "scanner.decoding",
    "decode": "scanner.decoding",
    "decode_bytes": "scanner.decoding",
    "Reading": "scanner.decoding",
    "read": "scanner.decoding",
    "read_bytes": "scanner.decoding",
    "Decoder": "scanner.backends",
    "Symbol": "scanner.backends",
    "get_decoder": "scanner.backends",
    "FrameReader": "scanner.reader",
}


def __getattr__(name: str) -> Any:
    """Load a decoding name (and NumPy, OpenCV) the first time it is asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module 'scanner' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value  # asked once: later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
