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
    # Every character is kept: nothing is cropped away.
    assert "".join(line.text for line in fit.lines).replace(" ", "") == name.replace(" ", "")


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
    assert single.size < 14
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


def test_unbreakable_text_goes_below_the_minimum_rather_than_overflowing() -> None:
    word = NAMES[4]
    fit = fit_text(word, 190, 68, 30, 14, 2, bold=True)
    assert fit.below_min and fit.size < 14
    assert fit.width <= 190 + 1e-6


def test_block_height_grows_with_lines() -> None:
    one = shape_line("Anna", True)
    assert block_height((one, one)) > block_height((one,)) > 0
    assert block_height(()) == 0
