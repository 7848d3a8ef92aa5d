"""`decode` and `decode_bytes`: QR texts from an image array or uploaded image bytes."""

from __future__ import annotations

import time

import numpy as np

from scanner.backends import Decoder, resolve_decoder
from scanner.image import MAX_PIXELS, as_gray, image_from_bytes
from scanner.pipeline import scan

__all__ = ["DEFAULT_BUDGET_MS", "decode", "decode_bytes"]

# Time allowed per 720p image (and proportionally more for bigger images) for
# the pipeline's work beyond the plain full-size read, which always runs: the
# budget never costs a code the decoder reads on its own. Only a pathological
# image (many code-like regions, none readable) comes near it.
DEFAULT_BUDGET_MS = 200.0
_BUDGET_PIXELS = 1280 * 720


def decode(image: np.ndarray, decoder: str | Decoder | None = None, budget_ms: float | None = None) -> list[str]:
    """Return the texts of the QR codes in `image` (grey or BGR array), closest first; [] if none.

    `image` is a still image: every code the decoder reads on the whole image
    at full resolution is returned, whatever `budget_ms` says (a live camera
    loop that must keep to a budget per frame uses `FrameReader`).
    """
    gray = as_gray(image)
    chosen = resolve_decoder(decoder)
    if budget_ms is None:
        budget_ms = DEFAULT_BUDGET_MS * max(1.0, gray.size / _BUDGET_PIXELS)
    deadline = time.perf_counter() + budget_ms / 1000.0
    return scan(gray, chosen, deadline, full_size=True).texts()


def decode_bytes(
    data: bytes | bytearray | memoryview,
    decoder: str | Decoder | None = None,
    budget_ms: float | None = None,
    max_pixels: int = MAX_PIXELS,
) -> list[str]:
    """Decode an uploaded PNG, JPEG, WebP or BMP and return its QR texts; ValueError if the bytes
    are no such image or it has more than `max_pixels` pixels."""
    return decode(image_from_bytes(data, max_pixels), decoder=decoder, budget_ms=budget_ms)
