"""Golden images: each script's rendering stays within a tolerance of a reviewed reference.

To regenerate the references after an intended change, run
    BADGES_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/badges/test_golden.py
and look at the PNGs in tests/badges/golden/ before committing them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import badges

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("BADGES_REGEN_GOLDEN") == "1"
DPI = 100
SAMPLES = {
    "latin": "Zoë Ångström-Łukasz",
    "devanagari": "श्रीनिवास रामानुजन",
    "arabic": "محمد بن سلمان",
    "hebrew": "דוד בן גוריון",
    "chinese": "欧阳娜娜",
    "japanese": "山田 さくら",
    "korean": "김민준",
    "mixed": "Anna مريم Lee 李",
}
# A pixel counts as different when its grey level moves by more than a third of
# the range; anti-aliasing differences between PDFium builds stay well below.
PIXEL_THRESHOLD = 85
MAX_DIFFERENT = 0.01

NAME_ONLY = {
    "format": "badge-layout",
    "version": 1,
    "name": "name-only",
    "size": {"width": 72, "height": 20},
    "elements": [
        {
            "kind": "text",
            "bind": "name",
            "x": 1,
            "y": 1,
            "width": 70,
            "height": 18,
            "max_size": 28,
            "min_size": 10,
            "lines": 1,
            "bold": True,
        },
    ],
}


def _render(name: str, rasterise) -> np.ndarray:
    pdf = badges.render({"name": name}, layout=NAME_ONLY)
    pixels: np.ndarray = rasterise(pdf, dpi=DPI)
    return pixels


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_rendering_matches_the_golden_image(script: str, rasterise) -> None:
    pixels = _render(SAMPLES[script], rasterise)
    path = GOLDEN / f"{script}.png"
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        Image.fromarray(pixels).save(path, optimize=True)
        return
    assert path.exists(), f"{path} is missing; see this module's docstring to regenerate it"
    reference = np.asarray(Image.open(path).convert("L"))
    assert reference.shape == pixels.shape
    different = np.abs(reference.astype(int) - pixels.astype(int)) > PIXEL_THRESHOLD
    assert different.mean() <= MAX_DIFFERENT, f"{script}: {different.mean():.2%} of pixels differ"
    assert (pixels < 128).mean() > 0.02, "the name was not drawn"


def test_golden_images_tell_scripts_apart(rasterise) -> None:
    """The comparison is sharp enough to notice a different name."""
    reference = np.asarray(Image.open(GOLDEN / "hebrew.png").convert("L"))
    other = _render("דוד בן גוריונ", rasterise)
    different = np.abs(reference.astype(int) - other.astype(int)) > PIXEL_THRESHOLD
    assert different.mean() > MAX_DIFFERENT
