"""Fitting text into a box: scale once from one measurement, then wrap to two lines."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .shaping import ShapedLine, clean_text, shape_line

# Line pitch as a share of the font's ascent + descent; Noto's line metrics
# already carry room for stacked marks, so lines can sit close on a badge.
LINE_PITCH = 1.0


@dataclass(frozen=True, slots=True)
class Fit:
    """The result of fitting: lines at one font size (points).

    ``below_min`` is set when even the best wrap could not reach the minimum
    size; the text is then drawn smaller rather than cropped or overflowing.
    """

    lines: tuple[ShapedLine, ...]
    size: float
    below_min: bool

    @property
    def width(self) -> float:
        """The widest line's width in points."""
        return max((line.width for line in self.lines), default=0.0) * self.size

    @property
    def height(self) -> float:
        """The height of the block of lines in points."""
        return block_height(self.lines) * self.size


def block_height(lines: tuple[ShapedLine, ...]) -> float:
    """Height of stacked lines in em: ascent of the first to descent of the last."""
    if not lines:
        return 0.0
    pitch = max(line.height for line in lines) * LINE_PITCH
    return lines[0].ascent + pitch * (len(lines) - 1) + lines[-1].descent


def _largest(lines: tuple[ShapedLine, ...], width: float, height: float, max_size: float) -> float:
    """The largest size (<= max_size) at which ``lines`` fit; widths scale linearly."""
    widest = max(line.width for line in lines)
    size = max_size
    if widest > 0:
        size = min(size, width / widest)
    tall = block_height(lines)
    if tall > 0:
        size = min(size, height / tall)
    return size


def _is_wide_char(ch: str) -> bool:
    # Ideographs, kana and hangul may break between any two characters.
    return unicodedata.east_asian_width(ch) in ("W", "F")


def break_points(text: str) -> list[tuple[str, str]]:
    """Candidate (first line, second line) splits: at spaces, or between wide characters."""
    splits = [(text[:i], text[i + 1 :]) for i, ch in enumerate(text) if ch == " "]
    if splits:
        return splits
    return [(text[:i], text[i:]) for i in range(1, len(text)) if _is_wide_char(text[i - 1]) and _is_wide_char(text[i])]


def _best_wrap(text: str, bold: bool) -> tuple[ShapedLine, ShapedLine] | None:
    """The split whose longer line is shortest, or None when the text cannot break."""
    best: tuple[ShapedLine, ShapedLine] | None = None
    best_width = float("inf")
    for first, second in break_points(text):
        pair = (shape_line(first, bold), shape_line(second, bold))
        widest = max(pair[0].width, pair[1].width)
        if widest < best_width:
            best, best_width = pair, widest
    return best


def fit_text(
    text: str,
    width: float,
    height: float,
    max_size: float,
    min_size: float,
    max_lines: int = 1,
    bold: bool = False,
) -> Fit:
    """Fit ``text`` into a width x height box (points) between min_size and max_size."""
    text = clean_text(text)
    one = (shape_line(text, bold),)
    size = _largest(one, width, height, max_size)
    if size >= min_size or max_lines < 2:
        return Fit(one, size, size < min_size)
    wrapped = _best_wrap(text, bold)
    if wrapped is not None:
        two_size = _largest(wrapped, width, height, max_size)
        if two_size > size:
            return Fit(wrapped, two_size, two_size < min_size)
    return Fit(one, size, True)
