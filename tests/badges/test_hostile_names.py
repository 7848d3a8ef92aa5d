"""Names a badge must survive: emoji, marks stacked past any line height, and names far too long.
Drawn, never refused or spilled: emoji in black and white (or a visible placeholder where no font
has them), marks cut at the name's box, and long names cut with an ellipsis at a readable size."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import badges
from badges.shaping import shape_line

PLACEHOLDER = "\ufffd"  # the replacement character: "cannot be shown here"

ZALGO = "Z" + "\u0301\u0300\u0302\u0303\u0304\u0306\u0307\u0308\u030a\u030b" * 4 + "algo" \
    + "\u0316\u0317\u0318\u0319\u031c\u031d\u031e\u031f\u0320\u0324" * 4 + " Kid"
# One text element in a box in the middle of an empty card (millimetres, from the top left).
BOX = {"x": 10.0, "y": 20.0, "width": 40.0, "height": 8.0}
CARD = {"format": "badge-layout", "version": 1, "name": "name-only", "title": "Name only",
        "size": {"width": 60.0, "height": 50.0}, "background": "#FFFFFF",
        "elements": [{"kind": "text", "id": "name", "bind": "name", **BOX, "max_size": 20, "min_size": 12,
                      "lines": 1, "bold": True}]}


def _glyphs(text: str) -> list[tuple[str, int]]:
    """(font file, glyph id) for every glyph of the shaped text."""
    return [(run.face.path.name, g[0]) for run in shape_line(text, True).runs for g in run.glyphs]


def test_emoji_are_drawn_in_black_and_white_from_a_font_that_has_them() -> None:
    if not Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf").is_file():
        pytest.skip("fonts-symbola is not installed")
    for emoji in ("🎉", "🦄", "❤", "👍"):
        assert badges.missing_glyphs(f"Ana {emoji}") == []
        drawn = _glyphs(emoji)
        assert drawn and all(gid != 0 for _, gid in drawn), (emoji, drawn)  # 0 is .notdef: an empty box
    assert badges.render(badges.BadgeData(name="Ana 🎉 Souza", code="X")).startswith(b"%PDF")


def test_a_skin_tone_is_left_out_and_an_emoji_no_font_has_becomes_a_placeholder() -> None:
    assert shape_line("👍🏽", True).text == "👍", "a black-and-white badge cannot show a skin tone"
    newer = "🫠"  # Unicode 14: in no black-and-white font here
    assert badges.missing_glyphs(f"Ana {newer}") == [], "not a reason to refuse the guest's badge"
    line = shape_line(f"Ana {newer}", True)
    assert line.text == f"Ana {PLACEHOLDER}" and all(gid != 0 for _, gid in _glyphs(line.text))


def _ink_outside_box(name: str, dpi: int = 300) -> int:
    image = np.array(Image.open(io.BytesIO(badges.render_png(badges.BadgeData(name=name), CARD, dpi=dpi))))
    px = dpi / 25.4
    inside = np.zeros(image.shape, bool)
    top, left = int(BOX["y"] * px) - 1, int(BOX["x"] * px) - 1
    inside[top:int((BOX["y"] + BOX["height"]) * px) + 2, left:int((BOX["x"] + BOX["width"]) * px) + 2] = True
    return int(((image == 0) & ~inside).sum())


def test_stacked_marks_are_cut_at_the_names_box() -> None:
    assert _ink_outside_box("Zalgo Kid") == 0
    assert _ink_outside_box(ZALGO) == 0


def test_a_200_character_name_prints_readable_and_cut() -> None:
    pdf = badges.render(badges.BadgeData(name="W" * 200, code="X"), "general")
    assert pdf.startswith(b"%PDF")
    assert _ink_outside_box("W" * 200) == 0
