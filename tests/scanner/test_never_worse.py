"""`scanner.decode` never reads less than its backend alone on the whole image.

For every image below, each code that plain pyzbar (QR only, on the grey
image) or plain zxing-cpp (QR only, on the image as given) reads at full
resolution must be among the pipeline's texts on the same backend, whatever
the image's size: the shared real photos as they are, shrunk to 320x240 and
blown up to a 12 MP phone photo's 4000x3000, and every kind of synthetic
frame the suite makes. The time budget is the default one a caller gets, so
a budget that cut the full-size read short would show here.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

import scanner
from scanner.synthetic import CONDITIONS, Look, frame_size, gate_frame, render_code, ticket_code
from scanner.text import payload_text

# The real phone photos this came from were 1280x960 and 1037x774; 4000x3000 is 12 MP.
PHOTO_SIZES = [None, (320, 240), (1037, 774), (1280, 960), (4000, 3000)]


def plain_zbar(image: np.ndarray) -> set[str]:
    """pyzbar alone on the whole grey image, QR codes only."""
    from pyzbar.pyzbar import ZBarSymbol
    from pyzbar.pyzbar import decode as zbar_decode

    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return {payload_text(s.data) for s in zbar_decode(grey, symbols=[ZBarSymbol.QRCODE])}


def plain_zxing(image: np.ndarray) -> set[str]:
    """zxing-cpp alone on the image as given, QR codes only (the only codes a gate reads)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    return {code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}


PLAIN: dict[str, Callable[[np.ndarray], set[str]]] = {"zbar": plain_zbar, "zxing": plain_zxing}


def assert_never_worse(image: np.ndarray, backend: str, label: str) -> set[str]:
    """Decode `image` with the pipeline and the plain backend; fail if plain read anything more."""
    plain = PLAIN[backend](image)
    read = set(scanner.decode(image, decoder=backend))
    assert plain <= read, f"{label}: plain {backend} read {plain - read} that the pipeline missed"
    return plain


def resized(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    if size is None:
        return image
    shrinking = size[0] < image.shape[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


@pytest.mark.parametrize("backend", ["zbar", "zxing"])
@pytest.mark.parametrize("size", PHOTO_SIZES, ids=lambda s: "as is" if s is None else f"{s[0]}x{s[1]}")
def test_real_photos_at_every_size(photos: list[tuple[Path, str]], backend: str,
                                   size: tuple[int, int] | None) -> None:
    read_by_plain = 0
    for path, _expected in photos:
        image = resized(cv2.imread(str(path), cv2.IMREAD_COLOR), size)
        read_by_plain += bool(assert_never_worse(image, backend, f"{path.parent.name}/{path.name}"))
    # The comparison means something only if plain reads most of them.
    assert read_by_plain >= len(photos) // 2


def synthetic_images() -> Iterator[tuple[str, np.ndarray]]:
    """Every kind of frame the suite generates, two of each condition, at its own size."""
    for name, look in CONDITIONS.items():
        rng = np.random.default_rng(zlib.crc32(f"never worse {name}".encode()))
        for index in range(2):
            yield f"{name} #{index}", gate_frame(rng, ticket_code(rng), look(rng), size=frame_size(name))
    rng = np.random.default_rng(5)
    for index in range(3):
        yield f"empty #{index}", gate_frame(rng, None, Look(blur=0.9, noise=3.0, jpeg=80))
    for px in (1, 2, 3, 5, 8):
        modules = render_code(f"CLEAN {px}")
        clean = cv2.resize(np.where(modules > 0, 0, 255).astype(np.uint8), None, fx=px, fy=px,
                           interpolation=cv2.INTER_NEAREST)
        yield f"clean code, {px} px/module", clean
        yield f"dark mode code, {px} px/module", 255 - clean
    codes = [ticket_code(rng) for _ in range(2)]
    halves = [gate_frame(rng, code, Look(module_px=m), size=(640, 720)) for code, m in zip(codes, (6.0, 4.0))]
    yield "two codes", np.hstack(halves)
    sheet = [ticket_code(rng) for _ in range(5)]
    yield "sheet of five codes", gate_frame(rng, sheet, Look(module_px=4.0, blur=0.9, noise=3.0, jpeg=80))


@pytest.mark.parametrize("backend", ["zbar", "zxing"])
def test_every_synthetic_image(backend: str) -> None:
    for label, image in synthetic_images():
        assert_never_worse(image, backend, label)


def test_a_tiny_budget_still_reads_what_plain_reads(photos: list[tuple[Path, str]]) -> None:
    # The budget bounds the extra work only: the full-size read runs even when the time is up.
    for path, _expected in photos[::4]:
        image = resized(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (1280, 960))
        assert plain_zbar(image) <= set(scanner.decode(image, budget_ms=0.001))


def test_a_live_frame_reader_on_stills_reads_what_plain_reads(photos: list[tuple[Path, str]]) -> None:
    # gate-scan --images: each photo of a folder is a still, whatever the frame budget.
    reader = scanner.FrameReader(budget_ms=0.001, forget_after=0.0, still=True)
    for path, _expected in photos[::4]:
        image = resized(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (1280, 960))
        reader.read(image)
        assert plain_zbar(image) <= set(reader.in_view())
