"""Page profiles: slots, cut marks, starting part-way through a sheet, one canvas per job."""

from __future__ import annotations

import re

import numpy as np
import pytest
from reportlab.lib.units import mm

import badges
from badges import BadgeError, PageProfile
from badges.pages import place


def _inked(pixels: np.ndarray, profile: PageProfile, index: int, dpi: int) -> bool:
    """True when slot ``index`` has something drawn in its middle."""
    slot = profile.slot(index)
    scale = dpi / 72.0
    height = pixels.shape[0]
    left, right = int(slot.x * scale), int((slot.x + slot.width) * scale)
    top = int(height - (slot.y + slot.height) * scale)
    bottom = int(height - slot.y * scale)
    inner = pixels[top + 10 : bottom - 10, left + 10 : right - 10]
    return bool((inner < 128).mean() > 0.01)


@pytest.mark.parametrize("name", sorted(badges.PAGES))
def test_slots_lie_on_the_page_and_do_not_overlap(name: str) -> None:
    profile = badges.PAGES[name]
    width, height = profile.size_pt
    slots = [profile.slot(i) for i in range(profile.per_page)]
    for s in slots:
        assert s.x >= 0 and s.x + s.width <= width + 1e-6
        assert s.y >= 0 and s.y + s.height <= height + 1e-6
    for i, a in enumerate(slots):
        for b in slots[i + 1 :]:
            assert (
                a.x + a.width <= b.x + 1e-6
                or b.x + b.width <= a.x + 1e-6
                or a.y + a.height <= b.y + 1e-6
                or b.y + b.height <= a.y + 1e-6
            )


def test_cut_marks_stay_outside_every_slot() -> None:
    profile = badges.PAGES["a4-4"]
    slots = [profile.slot(i) for i in range(profile.per_page)]
    for x1, y1, x2, y2 in profile.cut_mark_segments():
        mid_x, mid_y = (x1 + x2) / 2, (y1 + y2) / 2
        assert not any(s.x < mid_x < s.x + s.width and s.y < mid_y < s.y + s.height for s in slots)


def test_start_at_skips_used_slots_on_the_first_sheet(make_badge, rasterise, page_count) -> None:
    profile = badges.PAGES["a4-4"]
    pdf = badges.render([make_badge() for _ in range(3)], page="a4-4", start_at=2)
    assert page_count(pdf) == 2
    first, second = rasterise(pdf, 0, dpi=40), rasterise(pdf, 1, dpi=40)
    assert [_inked(first, profile, i, 40) for i in range(4)] == [False, False, True, True]
    assert [_inked(second, profile, i, 40) for i in range(4)] == [True, False, False, False]


@pytest.mark.parametrize("start_at", [-1, 4])
def test_start_at_must_be_a_slot_of_the_sheet(start_at: int, make_badge) -> None:
    with pytest.raises(BadgeError, match="start_at"):
        badges.render(make_badge(), page="a4-4", start_at=start_at)


def test_single_badge_pages_take_the_profile_or_layout_size(make_badge) -> None:
    import pypdfium2 as pdfium

    pdf = badges.render([make_badge(), make_badge()], page="cr80")
    document = pdfium.PdfDocument(pdf)
    assert [tuple(round(v / mm, 1) for v in document[i].get_size()) for i in range(2)] == [(54.0, 85.6)] * 2
    document.close()
    native = pdfium.PdfDocument(badges.render(make_badge()))
    assert tuple(round(v / mm, 1) for v in native[0].get_size()) == (76.2, 101.6)
    native.close()


def test_layouts_turn_a_quarter_when_the_slot_is_the_other_way_round() -> None:
    label = badges.PAGES["label-4x3"].slot(0)
    spot = place(76.2 * mm, 101.6 * mm, label)
    assert spot.rotate and spot.scale == pytest.approx(1.0)
    assert not place(76.2 * mm, 101.6 * mm, badges.PAGES["a6"].slot(0)).rotate


def test_a_job_is_one_document_with_fonts_embedded_once(make_badge, page_count) -> None:
    names = ["Anna Müller", "प्रिया शर्मा", "محمد علي", "王小明"] * 5
    pdf = badges.render([make_badge(name=n) for n in names])
    assert page_count(pdf) == len(names)
    font_files = re.findall(rb"/BaseFont /([A-Z]{6}\+[\w-]+)", pdf)
    assert font_files and len(font_files) == len(set(font_files))
    assert len(font_files) <= 8
    assert pdf.count(b"/FontFile2") == len(font_files)


def test_bulk_pdfs_stay_small(make_badge) -> None:
    names = ["Anna Müller", "प्रिया शर्मा", "محمد علي", "王小明", "김민준", "שרה לוי"]
    tickets = [make_badge(name=f"{names[i % 6]} {i}") for i in range(120)]
    assert len(badges.render(tickets)) / len(tickets) < 3 * 1024


def test_custom_page_profile(make_badge, page_count) -> None:
    sheet = PageProfile("a4-2x5", 210, 297, columns=2, rows=5, margin=8, gap=4, cut_marks=True)
    assert page_count(badges.render([make_badge() for _ in range(11)], page=sheet)) == 2
    with pytest.raises(BadgeError):
        PageProfile("tiny", 20, 20, columns=3, rows=3, margin=10)
    with pytest.raises(badges.UnknownPageError, match="a4-4"):
        badges.render(make_badge(), page="a3")
