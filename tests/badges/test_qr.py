"""The QR on a badge is the ticket's code, drawn as one path, and it decodes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import segno

import badges
from badges.qr import qr_matrix, qr_operators, runs_of


@pytest.mark.parametrize("layout", badges.layout_names())
def test_badge_qr_decodes_from_the_rasterised_page(layout: str, make_badge, rasterise, decode_qr) -> None:
    ticket = make_badge(badge_type=layout)
    pixels = rasterise(badges.render(ticket), dpi=150)
    assert decode_qr(pixels) == [ticket.code]


def test_every_qr_on_a_sheet_decodes(make_badge, rasterise, decode_qr) -> None:
    tickets = [make_badge(name=f"Guest {i}") for i in range(9)]
    pixels = rasterise(badges.render(tickets, page="a4-9"), dpi=150)
    assert sorted(decode_qr(pixels)) == sorted(t.code for t in tickets)


def test_qr_with_a_scored_mask_decodes_too(make_badge, rasterise, decode_qr) -> None:
    layout = badges.parse_layout(_with_mask(None))
    ticket = make_badge()
    assert decode_qr(rasterise(badges.render(ticket, layout=layout), dpi=150)) == [ticket.code]


def _with_mask(mask: int | None) -> dict[str, Any]:
    doc = json.loads((Path(badges.__file__).parent / "layouts" / "general.json").read_text(encoding="utf-8"))
    for element in doc["elements"]:
        if element["kind"] == "qr":
            element["mask"] = mask
    return doc


def test_qr_is_one_filled_path(random_code) -> None:
    ops = qr_operators(random_code(1), 0, 0, 100)
    body = ops.split(" cm\n", 1)[1]
    assert body.count(" re") == len(runs_of(qr_matrix(random_code(1), "M", None)))
    assert re.findall(r"\b[fSB]\*?\b", body) == ["f"], "modules must be filled once, as one path"


def test_rectangles_cover_exactly_the_dark_modules(random_code) -> None:
    matrix = qr_matrix(random_code(2), "M", 2)
    painted = set()
    for x, y, w, h in runs_of(matrix):
        cells = {(x + i, y + j) for i in range(w) for j in range(h)}
        assert not painted & cells, "rectangles overlap"
        painted |= cells
    dark = {(x, y) for y, row in enumerate(matrix) for x, v in enumerate(row) if v}
    assert painted == dark


def test_ticket_codes_use_alphanumeric_mode_at_a_low_version(random_code) -> None:
    qr = segno.make_qr(random_code(3), error="m", boost_error=False)
    assert qr.mode == "alphanumeric"
    assert qr.version <= 6


def test_reprint_counter_is_visible(make_badge, page_text) -> None:
    assert "R2" in page_text(badges.render(make_badge(reprint=2)), 0)
    text = page_text(badges.render(make_badge(reprint=0, serial="S-1")), 0)
    assert not re.search(r"\bR\d+\b", text)


def test_badge_without_a_code_prints_without_qr(make_badge, rasterise, decode_qr) -> None:
    pixels = rasterise(badges.render(make_badge(code="")), dpi=100)
    assert decode_qr(pixels) == []
