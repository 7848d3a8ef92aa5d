"""Band patterns: each badge type keeps a distinct texture when printed without colour."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from .pdftext import pdf_number as n


def _stripes(x: float, y: float, w: float, h: float, p: float) -> tuple[str, str]:
    rows = [f"{n(x)} {n(y + k * p + p / 2)} m {n(x + w)} {n(y + k * p + p / 2)} l" for k in range(int(h / p) + 1)]
    return " ".join(rows), f"{n(p * 0.3)} w S"


def _diagonal(x: float, y: float, w: float, h: float, p: float) -> tuple[str, str]:
    count = int((w + h) / p) + 2
    lines = [f"{n(x - h + k * p)} {n(y)} m {n(x + k * p)} {n(y + h)} l" for k in range(count)]
    return " ".join(lines), f"{n(p * 0.28)} w S"


def _crosshatch(x: float, y: float, w: float, h: float, p: float) -> tuple[str, str]:
    up, _ = _diagonal(x, y, w, h, p)
    count = int((w + h) / p) + 2
    down = [f"{n(x + k * p)} {n(y)} m {n(x - h + k * p)} {n(y + h)} l" for k in range(count)]
    return up + " " + " ".join(down), f"{n(p * 0.16)} w S"


def _dots(x: float, y: float, w: float, h: float, p: float) -> tuple[str, str]:
    # A zero-length segment with round caps paints a round dot.
    dots = []
    for row in range(int(h / p) + 1):
        shift = p / 2 if row % 2 else 0.0
        for col in range(int(w / p) + 2):
            cx, cy = x + col * p + shift, y + row * p + p / 2
            dots.append(f"{n(cx)} {n(cy)} m {n(cx)} {n(cy)} l")
    return " ".join(dots), f"1 J {n(p * 0.45)} w S"


def _checks(x: float, y: float, w: float, h: float, p: float) -> tuple[str, str]:
    squares = []
    for row in range(int(h / p) + 1):
        for col in range(int(w / p) + 1):
            if (row + col) % 2 == 0:
                squares.append(f"{n(x + col * p)} {n(y + row * p)} {n(p)} {n(p)} re")
    return " ".join(squares), "f"


def _zigzag(x: float, y: float, w: float, h: float, p: float) -> tuple[str, str]:
    rows = []
    for row in range(int(h / p) + 1):
        base = y + row * p
        points = [f"{n(x + k * p / 2)} {n(base + (p * 0.5 if k % 2 else 0.0))}" for k in range(int(2 * w / p) + 3)]
        rows.append(points[0] + " m " + " l ".join(points[1:]) + " l")
    return " ".join(rows), f"{n(p * 0.22)} w S"


_MAKERS: dict[str, Callable[[float, float, float, float, float], tuple[str, str]]] = {
    "stripes": _stripes,
    "diagonal": _diagonal,
    "crosshatch": _crosshatch,
    "dots": _dots,
    "checks": _checks,
    "zigzag": _zigzag,
}


@lru_cache(maxsize=64)
def pattern_operators(
    pattern: str, x: float, y: float, w: float, h: float, pitch: float, color: tuple[float, float, float]
) -> str:
    """PDF operators painting ``pattern`` over the rectangle, clipped to it."""
    path, paint = _MAKERS[pattern](x, y, w, h, pitch)
    r, g, b = (n(c) for c in color)
    return f"q {n(x)} {n(y)} {n(w)} {n(h)} re W n {r} {g} {b} RG {r} {g} {b} rg {path} {paint} Q"
