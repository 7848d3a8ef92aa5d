"""Decoding the shared real photos: at least 95% of ASCII payloads read, none misread."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

import scanner
from scanner.backends import get_decoder

BUDGET_MS = 5000.0


def _zxing_available() -> bool:
    try:
        get_decoder("zxing")
    except RuntimeError:
        return False
    return True


NO_ZXING = pytest.mark.skipif(not _zxing_available(), reason="zxing-cpp not installed")
BACKENDS = ["zbar", pytest.param("zxing", marks=NO_ZXING)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_real_photos_read_rate(photos: list[tuple[Path, str]], backend: str) -> None:
    ascii_cases = [(path, text) for path, text in photos if text.isascii()]
    assert len(ascii_cases) >= 20, "too few ASCII photos to measure a rate"
    read, wrong = 0, []
    for path, expected in ascii_cases:
        texts = scanner.decode(cv2.imread(str(path), cv2.IMREAD_COLOR), decoder=backend, budget_ms=BUDGET_MS)
        if texts and texts[0] == expected:
            read += 1
        elif texts:
            wrong.append((path.name, texts))
    assert not wrong, f"misread: {wrong}"
    assert read >= 0.95 * len(ascii_cases), f"read {read} of {len(ascii_cases)}"


def test_photos_as_uploaded_bytes(photos: list[tuple[Path, str]]) -> None:
    # The server receives encoded images: the PNG bytes must decode the same way.
    for path, expected in photos[::10]:
        assert scanner.decode_bytes(path.read_bytes(), budget_ms=BUDGET_MS) == [expected]


def test_photos_as_grey_and_jpeg(photos: list[tuple[Path, str]]) -> None:
    for path, expected in photos[::10]:
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        assert scanner.decode(grey, budget_ms=BUDGET_MS) == [expected]
        ok, jpeg = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        assert scanner.decode_bytes(jpeg.tobytes(), budget_ms=BUDGET_MS) == [expected]
