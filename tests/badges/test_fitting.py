"""Text fitting: never overflows its box, wraps to a second line, keeps a minimum size."""

from __future__ import annotations

import pytest

from badges.fitting import block_height, break_points, fit_text
from badges.shaping import shape_line

NAMES = [
    "Li",
    "Anna Müller",
    "Priya Raghunathan-Venkataraman",
    "Maximilian Alexander Augustin von Hohenzollern-Sigmaringen",
    "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessenschafewarenwohlgepflege",
    "श्रीनिवास रामानुजन अयंगर",
    "محمد بن عبد الله بن عبد المطلب",
    "דוד בן גוריון",
    "王小明",
    "欧阳娜娜欧阳娜娜欧阳娜娜欧阳娜娜",
    "さくら 高橋",
    "Anna مريم Lee",
]
BOXES = [(190.0, 68.0, 30.0, 14.0, 2), (150.0, 40.0, 24.0, 12.0, 2), (90.0, 20.0, 18.0, 8.0, 1)]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("width", "height", "max_size", "min_size", "lines"), BOXES)
def test_text_never_overflows_its_box(name, width, height, max_size, min_size, lines) -> None:
    fit = fit_text(name, width, height, max_size, min_size, lines, bold=True)
    assert 0 < fit.size <= max_size
    assert fit.width <= width + 1e-6
    assert fit.height <= height + 1e-6
    assert len(fit.lines) <= lines
    assert fit.size >= min_size, "never below the readable minimum"
    # Every character is kept, or the text is cut at a character with an ellipsis, never silently.
    shown = "".join(line.text for line in fit.lines).replace(" ", "")
    if fit.truncated:
        assert shown.endswith("…") and name.replace(" ", "").startswith(shown[:-1])
    else:
        assert shown == name.replace(" ", "")


def test_short_names_get_the_largest_size() -> None:
    fit = fit_text("Li", 190, 68, 30, 14, 2, bold=True)
    assert fit.size == 30 and len(fit.lines) == 1 and not fit.below_min


def test_size_comes_from_one_measurement_scaled_to_the_width() -> None:
    name = "Priya Raghunathan"
    fit = fit_text(name, 150, 60, 40, 8, 1, bold=True)
    assert fit.size == pytest.approx(150 / shape_line(name, True).width)
    assert fit.width == pytest.approx(150)


def test_long_name_wraps_to_two_balanced_lines() -> None:
    name = "Maximilian Alexander von Hohenzollern"
    single = fit_text(name, 190, 68, 30, 14, 1, bold=True)
    assert single.size == 14 and single.truncated, "one line only: cut at the minimum size"
    fit = fit_text(name, 190, 68, 30, 14, 2, bold=True)
    assert len(fit.lines) == 2
    assert fit.size >= 14 and not fit.below_min
    assert [line.text for line in fit.lines] == ["Maximilian Alexander", "von Hohenzollern"]


def test_names_that_fit_on_one_line_are_not_wrapped() -> None:
    fit = fit_text("Anna Müller", 190, 68, 30, 14, 2, bold=True)
    assert len(fit.lines) == 1


def test_cjk_wraps_between_characters() -> None:
    assert break_points("王小明")[0] == ("王", "小明")
    fit = fit_text("欧阳娜娜欧阳娜娜欧阳娜娜欧阳娜娜", 150, 60, 30, 16, 2, bold=True)
    assert [line.text for line in fit.lines] == ["欧阳娜娜欧阳娜娜", "欧阳娜娜欧阳娜娜"]


def test_unbreakable_text_is_broken_at_the_minimum_size_rather_than_shrunk() -> None:
    word = NAMES[4]  # 98 letters, no space: two lines of 14 pt hold about 50 of them
    fit = fit_text(word, 190, 68, 30, 14, 2, bold=True)
    assert fit.size == 14 and not fit.below_min and fit.truncated and len(fit.lines) == 2
    first, second = (line.text for line in fit.lines)
    assert word.startswith(first + second[:-1]) and second.endswith("…")
    assert fit.width <= 190 + 1e-6 and fit.width > 190 * 0.8, "the lines are filled, not left short"


def test_a_200_character_name_keeps_a_readable_size_and_says_it_was_cut() -> None:
    for name in ("W" * 200, "Ｗ" * 200, "ب" * 200, ("Anna " * 40).strip()):
        fit = fit_text(name, 190, 68, 30, 14, 2, bold=True)
        assert fit.size == 14 and fit.truncated and fit.lines[-1].text.endswith("…"), name[:5]
        assert fit.width <= 190 + 1e-6 and fit.height <= 68 + 1e-6
    words = fit_text(("Anna " * 40).strip(), 190, 68, 30, 14, 2, bold=True)
    assert words.lines[0].text.endswith("Anna"), "a line breaks between words where it can"


def test_a_character_and_its_marks_are_never_split() -> None:
    name = "e\u0301" * 150  # é as e and a combining acute, 300 code points
    fit = fit_text(name, 190, 68, 30, 14, 2, bold=True)
    assert all(not line.text[0].startswith("\u0301") for line in fit.lines)
    assert fit.lines[0].text.endswith("\u0301") or fit.lines[0].text.endswith("é")


def test_block_height_grows_with_lines() -> None:
    one = shape_line("Anna", True)
    assert block_height((one, one)) > block_height((one,)) > 0
    assert block_height(()) == 0
