"""Any name prints correctly: shaping, right-to-left order, font fallback, no tofu."""

from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from badges import FontNotFoundError, fonts
from badges.fonts import font_chain
from badges.pdftext import line_operators
from badges.shaping import shape_line

DEVANAGARI = "क्षत्रिय श्रीनिवास"
ARABIC = "محمد علي"
SIZE = 28


def _gids(text: str, bold: bool = False) -> list[int]:
    return [g[0] for run in shape_line(text, bold).runs for g in run.glyphs]


def _nominal(text: str) -> list[int]:
    """Glyph ids straight from the cmap, i.e. what an unshaped renderer draws."""
    face = font_chain(False).face_for(text[0])
    return [face.hb_font.get_nominal_glyph(ord(ch)) or 0 for ch in text]


def _ours(text: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(420, 60))
    canvas.addLiteral(line_operators(shape_line(text), 10, 18, SIZE, canvas._doc))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _reportlab(text: str, shaping: bool) -> bytes:
    """The same font through ReportLab's own drawString."""
    face = font_chain(False).face_for(text[0])
    name = "Plain-" + face.path.stem
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(face.path)))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(420, 60))
    canvas.setFont(name, SIZE)
    canvas.drawString(10, 18, text, shaping=shaping)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _differs(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that are clearly different."""
    return float(np.mean(np.abs(a.astype(int) - b.astype(int)) > 96))


@pytest.mark.parametrize("text", [DEVANAGARI, ARABIC], ids=["devanagari", "arabic"])
def test_shaping_changes_the_rendering(text: str, rasterise) -> None:
    shaped = rasterise(_ours(text), dpi=110)
    unshaped = rasterise(_reportlab(text, shaping=False), dpi=110)
    assert shaped.min() < 64, "nothing was drawn"
    assert _differs(shaped, unshaped) > 0.01


@pytest.mark.skipif(importlib.util.find_spec("rlbidi") is not None, reason="rlbidi is installed")
def test_reportlab_drawstring_shaping_is_a_silent_no_op_without_rlbidi(rasterise) -> None:
    """Why the library shapes text itself: drawString(shaping=True) changes nothing here."""
    on = rasterise(_reportlab(DEVANAGARI, shaping=True), dpi=110)
    off = rasterise(_reportlab(DEVANAGARI, shaping=False), dpi=110)
    assert on.min() < 64, "nothing was drawn"
    assert _differs(on, off) == 0.0


def test_devanagari_conjuncts_are_formed() -> None:
    word = "क्षत्रिय"
    gids = _gids(word)
    # Conjuncts (क्ष, त्र) and the reordered vowel sign make fewer glyphs than
    # characters, and use glyphs no single character maps to.
    assert len(gids) < len(word)
    assert set(gids) - set(_nominal(word))


def test_arabic_letters_take_joined_forms() -> None:
    word = "محمد"
    gids = _gids(word)
    nominal = _nominal(word)
    assert len(gids) == len(word)
    # Every letter of a joined word is drawn with a positional form, not its isolated glyph.
    assert not set(gids) & set(nominal)


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [("שלום עולם", "שלום", "עולם"), ("محمد علي", "محمد", "علي")],
    ids=["hebrew", "arabic"],
)
def test_right_to_left_words_are_drawn_in_the_right_order(text: str, first: str, second: str) -> None:
    line = shape_line(text)
    assert line.rtl
    drawn = _gids(text)
    # Drawn left to right, the second word comes first and each word reads right to left.
    left, right = _gids(second), _gids(first)
    assert drawn[: len(left)] == left
    assert drawn[-len(right) :] == right
    assert len(drawn) == len(left) + 1 + len(right)


def test_mixed_direction_runs_are_ordered_by_the_bidi_algorithm() -> None:
    assert [run.text for run in shape_line("Anna مريم Lee").runs] == ["Anna ", "مريم", " Lee"]
    assert [run.text for run in shape_line("محمد Smith").runs] == ["Smith", "محمد "]
    assert shape_line("Anna مريم Lee").runs[1].rtl


def test_each_script_gets_a_font_that_covers_it() -> None:
    expected = {
        "Anna": "NotoSans",
        "प्रिया": "NotoSansDevanagari",
        "فاطمة": "NotoSansArabic",
        "שרה": "NotoSansHebrew",
        "王小明": "DroidSansFallback",
        "さくら": "DroidSansFallback",
        "김민준": "DroidSansFallback",
    }
    for text, family in expected.items():
        runs = shape_line(text, True).runs
        assert [run.face.path.stem.split("-")[0] for run in runs] == [family], text


@pytest.mark.parametrize(
    "text",
    ["王小明", "山田 太郎", "さくら 高橋", "김민준 이서연", "Дмитрий", "Αλέξανδρος", "Nguyễn Thị", "Li Wei 李伟"],
)
def test_no_tofu(text: str) -> None:
    for bold in (False, True):
        chain = font_chain(bold)
        for ch in text.replace(" ", ""):
            assert ord(ch) in chain.face_for(ch).coverage, ch
        assert 0 not in _gids(text, bold), "a .notdef glyph would print as a box"


def test_names_are_nfc_normalised() -> None:
    assert _gids("Zoe\u0308") == _gids("Zoë")
    assert shape_line("Zoe\u0308").text == "Zoë"


def test_bidi_controls_and_extra_spaces_are_dropped() -> None:
    assert shape_line("\u202bAnna   Lee\u202c ").text == "Anna Lee"


def test_a_clear_error_when_no_font_is_found(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(fonts, "DEFAULT_FONT_DIRS", ())
    monkeypatch.setenv("BADGE_FONT_DIRS", str(tmp_path))
    with pytest.raises(FontNotFoundError) as caught:
        font_chain(True)
    assert "NotoSans-Bold.ttf" in str(caught.value) and str(tmp_path) in str(caught.value)


def test_fonts_are_found_in_extra_directories(tmp_path, monkeypatch) -> None:
    source = font_chain(False).faces[-1].path
    (tmp_path / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(fonts, "DEFAULT_FONT_DIRS", ())
    monkeypatch.setenv("BADGE_FONT_DIRS", str(tmp_path))
    chain = font_chain(False)
    assert [face.path for face in chain.faces] == [tmp_path / source.name]
