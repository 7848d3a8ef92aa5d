"""Monochrome PNGs for label printers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import badges
from badges import BadgeError


@pytest.mark.parametrize("dpi", [203, 300])
def test_png_is_one_bit_at_the_requested_dpi(dpi: int, make_badge, decode_qr) -> None:
    ticket = make_badge(badge_type="vip", name="प्रिया शर्मा")
    image = Image.open(io.BytesIO(badges.render_png(ticket, dpi=dpi)))
    assert image.format == "PNG" and image.mode == "1"
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    assert image.size == (round(76.2 / 25.4 * dpi), round(101.6 / 25.4 * dpi))
    pixels = np.asarray(image.convert("L"))
    assert set(np.unique(pixels)) <= {0, 255}
    assert decode_qr(pixels) == [ticket.code]


def test_png_follows_the_chosen_layout_and_page(make_badge) -> None:
    image = Image.open(io.BytesIO(badges.render_png(make_badge(), layout="staff", dpi=203, page="label-4x3")))
    assert image.size == (812, 609)


@pytest.mark.parametrize("dpi", [0, 2000, 203.5, True])
def test_png_rejects_odd_resolutions(dpi, make_badge) -> None:
    with pytest.raises(BadgeError, match="dpi"):
        badges.render_png(make_badge(), dpi=dpi)
