"""Fitting text into a box: scale once from one measurement, then wrap to two lines; text too long
for the box at its minimum size is broken between characters and cut with an ellipsis."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .fonts import sticks_to_previous
from .shaping import ShapedLine, clean_text, shape_line

# Line pitch as a share of the font's ascent + descent; Noto's line metrics
# already carry room for stacked marks, so lines can sit close on a badge.
LINE_PITCH = 1.0
ELLIPSIS = "\u2026"


@dataclass(frozen=True, slots=True)
class Fit:
    """The result of fitting: lines at one font size (points).

    Text never goes below the minimum size (a box too low for one line at
    that size aside: ``below_min``); what does not fit at it is broken
    between characters and its last line ends in an ellipsis (``truncated``).
    """

    lines: tuple[ShapedLine, ...]
    size: float
    below_min: bool
    truncated: bool = False

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
    if size >= min_size:
        return Fit(one, size, False)
    wrapped = _best_wrap(text, bold) if max_lines >= 2 else None
    if wrapped is not None:
        two_size = _largest(wrapped, width, height, max_size)
        if two_size >= min_size:
            return Fit(wrapped, two_size, False)
    return _cut(text, width, height, min_size, max_lines, bold)


def _cut(text: str, width: float, height: float, min_size: float, max_lines: int, bold: bool) -> Fit:
    """Fill the box's lines at the minimum size: break after the last space that fits, else between
    characters (never inside a character and its marks), and end the last line with an ellipsis."""
    line_height = shape_line(text, bold).height * LINE_PITCH
    size = min(min_size, height / line_height) if line_height > 0 else min_size
    room = width / size  # a line's width in em
    count = max(1, min(max_lines, int(height / (size * line_height) + 1e-9))) if line_height > 0 else 1
    clusters, lines, truncated = _clusters(text), [], False
    while clusters and len(lines) < count:
        if len(lines) == count - 1 and shape_line("".join(clusters), bold).width > room:
            kept = _prefix_fitting(clusters, room, bold, ELLIPSIS)
            lines.append("".join(clusters[:kept]).rstrip() + ELLIPSIS)
            truncated = True
            break
        kept = _prefix_fitting(clusters, room, bold)
        space = max((i for i in range(1, kept) if clusters[i] == " "), default=None)
        if kept < len(clusters) and space is not None:
            kept = space  # a break between words where one fits
        lines.append("".join(clusters[:kept]).strip())
        clusters = clusters[kept:]
        while clusters and clusters[0] == " ":
            clusters = clusters[1:]
    shaped = tuple(shape_line(line, bold) for line in lines)
    return Fit(shaped, size, size < min_size, truncated)


def _clusters(text: str) -> list[str]:
    """The text in pieces a line may break between: a character with its marks, joiners and what they join."""
    out: list[str] = []
    for ch in text:
        if out and (sticks_to_previous(ch) or out[-1].endswith("\u200d")):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _prefix_fitting(clusters: list[str], room: float, bold: bool, tail: str = "") -> int:
    """How many clusters (at least one) fit in `room` em, followed by `tail`."""
    low, high = 1, len(clusters)
    while low < high:
        mid = (low + high + 1) // 2
        if shape_line("".join(clusters[:mid]).rstrip() + tail, bold).width <= room:
            low = mid
        else:
            high = mid - 1
    return low
