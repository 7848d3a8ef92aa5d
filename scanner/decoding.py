"""`decode` and `decode_bytes`: QR texts from an image array or uploaded image bytes.

`read` and `read_bytes` return the same texts with a hint for the person
holding a code the pipeline saw but could not read (see `scanner.pipeline.Sighting`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from scanner.backends import Decoder, resolve_decoder
from scanner.image import MAX_PIXELS, as_gray, image_from_bytes
from scanner.pipeline import scan

__all__ = ["DEFAULT_BUDGET_MS", "Reading", "decode", "decode_bytes", "read", "read_bytes"]

# Time allowed per 720p image (and proportionally more for bigger images) for
# the pipeline's work beyond the plain full-size read, which always runs: the
# budget never costs a code the decoder reads on its own. Only a pathological
# image (many code-like regions, none readable) comes near it.
DEFAULT_BUDGET_MS = 200.0
_BUDGET_PIXELS = 1280 * 720


@dataclass(frozen=True)
class Reading:
    """The texts of an image's QR codes, closest first, and a hint if a code was seen but not read."""

    texts: list[str]
    hint: str | None = None


def read(image: np.ndarray, decoder: str | Decoder | None = None, budget_ms: float | None = None) -> Reading:
    """Read the QR codes in `image` (grey or BGR array): their texts, closest first, and a hint
    ("hold still", "move closer", "tilt the phone: glare", "hold the code flat, facing the camera")
    when finder patterns showed a code that did not decode.

    `image` is a still image: every code the decoder reads on the whole image
    at full resolution is returned, whatever `budget_ms` says (a live camera
    loop that must keep to a budget per frame uses `FrameReader`).
    """
    gray = as_gray(image)
    chosen = resolve_decoder(decoder)
    if budget_ms is None:
        budget_ms = DEFAULT_BUDGET_MS * max(1.0, gray.size / _BUDGET_PIXELS)
    deadline = time.perf_counter() + budget_ms / 1000.0
    result = scan(gray, chosen, deadline, full_size=True)
    return Reading(result.texts(), result.hint())


def decode(image: np.ndarray, decoder: str | Decoder | None = None, budget_ms: float | None = None) -> list[str]:
    """Return the texts of the QR codes in `image` (grey or BGR array), closest first; [] if none.

    A still image, as for `read`: nothing the decoder alone reads on it is missed.
    """
    return read(image, decoder, budget_ms).texts


def read_bytes(
    data: bytes | bytearray | memoryview,
    decoder: str | Decoder | None = None,
    budget_ms: float | None = None,
    max_pixels: int = MAX_PIXELS,
) -> Reading:
    """`read` for an uploaded PNG, JPEG, WebP or BMP; ValueError if the bytes are no such image
    or it has more than `max_pixels` pixels."""
    return read(image_from_bytes(data, max_pixels), decoder=decoder, budget_ms=budget_ms)


def decode_bytes(
    data: bytes | bytearray | memoryview,
    decoder: str | Decoder | None = None,
    budget_ms: float | None = None,
    max_pixels: int = MAX_PIXELS,
) -> list[str]:
    """Decode an uploaded PNG, JPEG, WebP or BMP and return its QR texts; ValueError if the bytes
    are no such image or it has more than `max_pixels` pixels."""
    return read_bytes(data, decoder, budget_ms, max_pixels).texts
