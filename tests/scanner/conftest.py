"""Fixtures for the QR decoding tests: the shared real photos and generated gate frames."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from scanner.synthetic import Look, gate_frame, render_code, ticket_code

# The shared data sits beside the repository: <root>/../shared/data.
PHOTOS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "qr-photos"
# Generous on purpose: the tests check what is read, never how fast (the bench does).
BUDGET_MS = 5000.0


@pytest.fixture(scope="session")
def photos() -> list[tuple[Path, str]]:
    """(image path, expected text) for every shared real photo; skips when the data is absent."""
    if not PHOTOS.is_dir():
        pytest.skip(f"shared photos not found at {PHOTOS}")
    found = []
    for image in sorted(PHOTOS.glob("*/*.png")) + sorted(PHOTOS.glob("*/*.jpg")):
        expected = image.with_suffix(".txt")
        if expected.is_file():
            # Bytes, not read_text: universal newlines would turn CR LF into LF.
            found.append((image, expected.read_bytes().decode("utf-8")))
    if not found:
        pytest.skip(f"no photos in {PHOTOS}")
    return found


@pytest.fixture
def seeded() -> Callable[[str], np.random.Generator]:
    """A factory of random generators seeded by name, so every test sees the same frames."""
    return lambda name: np.random.default_rng(zlib.crc32(name.encode()))


@pytest.fixture
def frame_with_code() -> Callable[..., tuple[np.ndarray, str]]:
    """A factory: (720p BGR frame showing a fresh ticket code, that code)."""

    def make(rng: np.random.Generator, look: Look = Look()) -> tuple[np.ndarray, str]:
        code = ticket_code(rng)
        return gate_frame(rng, code, look), code

    return make


@pytest.fixture
def code_image() -> Callable[..., np.ndarray]:
    """A factory: a clean grey image of `text` as a QR code, `px` pixels per module."""

    def make(text: str, px: int = 4, dark: bool = False) -> np.ndarray:
        modules = render_code(text)
        image = np.where(modules > 0, 0, 255).astype(np.uint8)
        if dark:
            image = 255 - image
        return cv2.resize(image, None, fx=px, fy=px, interpolation=cv2.INTER_NEAREST)

    return make


@pytest.fixture(autouse=True)
def no_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    """gate-scan opens a window when a display is present: none on the desktop of whoever runs the tests.

    The window tests start their own Xvfb and set DISPLAY to it.
    """
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
