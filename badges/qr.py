"""QR codes drawn as one filled PDF path."""

from __future__ import annotations

import re
from functools import lru_cache

import segno

from .pdftext import pdf_number

_DARK_RUN = re.compile(rb"\x01+")


@lru_cache(maxsize=256)
def qr_matrix(code: str, error: str = "M", mask: int | None = None) -> tuple[bytes, ...]:
    """The module rows (byte 1 = dark) without quiet zone, computed by segno.

    Ticket codes are upper-case base32, which segno encodes in alphanumeric
    mode. ``mask=None`` lets segno score all eight masks; a fixed mask skips
    that step (about four times faster) and any mask decodes equally well.
    """
    qr = segno.make_qr(code, error=error.lower(), mask=mask, boost_error=False)
    return tuple(bytes(row) for row in qr.matrix)


def runs_of(matrix: tuple[bytes, ...]) -> list[tuple[int, int, int, int]]:
    """Dark modules merged into rectangles (x, y, w, h), y counted from the top row.

    Horizontal runs are found per row, then identical runs on consecutive rows
    are merged, which saves about a fifth of the rectangles.
    """
    open_rects: dict[tuple[int, int], list[int]] = {}
    done: list[list[int]] = []
    for y, row in enumerate(matrix):
        current: dict[tuple[int, int], list[int]] = {}
        for match in _DARK_RUN.finditer(row):
            start, end = match.span()
            key = (start, end - start)
            rect = open_rects.pop(key, None) or [start, y, end - start, 0]
            rect[3] += 1
            current[key] = rect
        done.extend(open_rects.values())
        open_rects = current
    done.extend(open_rects.values())
    return [(r[0], r[1], r[2], r[3]) for r in done]


def qr_operators(
    code: str,
    x: float,
    y: float,
    size: float,
    quiet: int = 4,
    error: str = "M",
    mask: int | None = None,
    dark: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> str:
    """PDF operators drawing the QR for ``code`` in the square (x, y, size) in points.

    The quiet zone is painted white and the dark modules are one path filled
    once, in module units scaled by a single transformation.
    """
    matrix = qr_matrix(code, error, mask)
    n = len(matrix)
    module = size / (n + 2 * quiet)
    parts = [
        "q",
        f"1 g {pdf_number(x)} {pdf_number(y)} {pdf_number(size)} {pdf_number(size)} re f",
        f"{pdf_number(dark[0])} {pdf_number(dark[1])} {pdf_number(dark[2])} rg",
        f"{module:.4f} 0 0 {module:.4f} {pdf_number(x + quiet * module)} {pdf_number(y + quiet * module)} cm",
    ]
    # PDF's y axis points up, so the top row of the matrix is at y = n - 1.
    parts.append(" ".join(f"{rx} {n - ry - rh} {rw} {rh} re" for rx, ry, rw, rh in runs_of(matrix)))
    parts.append("f Q")
    return "\n".join(parts)
