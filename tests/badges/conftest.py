"""Fixtures for the badge library tests: tickets, rasterising PDFs, decoding QR codes."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from badges import BadgeData

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def random_code(seed: int) -> str:
    """A 117-character base32 ticket code, like the signed codes the service issues."""
    rng = random.Random(seed)
    return "".join(rng.choice(BASE32) for _ in range(117))


@pytest.fixture(name="random_code")
def random_code_fixture() -> Callable[[int], str]:
    """Factory: a reproducible 117-character base32 code."""
    return random_code


@pytest.fixture
def make_badge() -> Callable[..., BadgeData]:
    """Factory: a complete ticket whose fields can be overridden."""
    counter = iter(range(10_000))

    def make(**overrides: Any) -> BadgeData:
        n = next(counter)
        values: dict[str, Any] = {
            "name": "Anna Müller",
            "company": "Acme Widgets Ltd",
            "type_code": "GEN",
            "type_name": "General",
            "badge_type": "general",
            "zones": ("Main hall",),
            "event_name": "Example Conference",
            "serial": f"T-{n:06d}",
            "code": random_code(n),
        }
        values.update(overrides)
        return BadgeData(**values)

    return make


def _rasterise(pdf: bytes, page: int = 0, dpi: int = 150, smooth: bool = True) -> np.ndarray:
    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[page].render(
            scale=dpi / 72.0, grayscale=True, no_smoothtext=not smooth, no_smoothpath=not smooth
        )
        image = bitmap.to_pil().convert("L")
    finally:
        document.close()
    return np.asarray(image)


@pytest.fixture
def rasterise() -> Callable[..., np.ndarray]:
    """Render one page of a PDF to a greyscale array (0 = black)."""
    return _rasterise


@pytest.fixture
def page_count() -> Callable[[bytes], int]:
    """Number of pages in a PDF."""

    def count(pdf: bytes) -> int:
        document = pdfium.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()

    return count


@pytest.fixture
def page_text() -> Callable[[bytes, int], str]:
    """The extractable text of one page."""

    def text(pdf: bytes, page: int = 0) -> str:
        document = pdfium.PdfDocument(pdf)
        try:
            textpage = document[page].get_textpage()
            return str(textpage.get_text_range())
        finally:
            document.close()

    return text


@pytest.fixture
def decode_qr() -> Callable[[np.ndarray], list[str]]:
    """Texts of the QR codes zbar finds in a greyscale array."""
    from pyzbar.pyzbar import ZBarSymbol, decode

    def read(pixels: np.ndarray) -> list[str]:
        found = decode(Image.fromarray(pixels), symbols=[ZBarSymbol.QRCODE])
        return [symbol.data.decode("ascii") for symbol in found]

    return read
