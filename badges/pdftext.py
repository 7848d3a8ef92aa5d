"""PDF text operators for shaped lines, with fonts subset and embedded by ReportLab."""

from __future__ import annotations

from typing import Any

from .shaping import GlyphRun, ShapedLine

# Outline width, in em, that makes a regular face read as bold.
_EMBOLDEN = 0.035


def pdf_number(value: float) -> str:
    """A compact PDF number with at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _Pen:
    """Tracks where HarfBuzz puts the pen and where the PDF viewer will have it.

    Both are in 1/1000 em; the difference is emitted as TJ adjustments, rounded
    to whole units while carrying the rounding error forward so it never adds up.
    """

    def __init__(self) -> None:
        self.ideal = 0.0
        self.actual = 0.0

    def move_to(self, target: float) -> int:
        """Move the viewer's pen to ``target``; returns the whole-unit shift emitted."""
        shift = round(target - self.actual)
        self.actual += shift
        return shift


def _tj(items: list[Any]) -> str:
    """Format TJ items (int shifts right in 1/1000 em, or bytes) as a TJ array."""
    out: list[str] = []
    pending = bytearray()
    for item in items:
        if isinstance(item, bytes):
            pending += item
            continue
        if item == 0:
            continue
        if pending:
            out.append("<" + pending.hex() + ">")
            pending = bytearray()
        out.append(str(-item))
    if pending:
        out.append("<" + pending.hex() + ">")
    return "[" + " ".join(out) + "] TJ"


def _run_ops(run: GlyphRun, size: float, doc: Any, pen: _Pen, ops: list[str]) -> None:
    face = run.face
    font = face.ttfont
    unit = 1000.0 / face.upem
    codes = [face.code_for_glyph(g[0]) for g in run.glyphs]
    if run.embolden:
        # Fill and stroke the outline: a stand-in for a missing bold weight.
        ops.append(f"2 Tr {pdf_number(size * _EMBOLDEN)} w")
    glyph_index = 0
    for subset, data in font.splitString("".join(map(chr, codes)), doc):
        ops.append(f"{font.getSubsetInternalName(subset, doc)} {pdf_number(size)} Tf")
        items: list[Any] = []
        rise = 0
        for byte in data:
            gid, x_adv, x_off, y_off = run.glyphs[glyph_index]
            if y_off != rise:
                # Marks raised or lowered by GPOS need a text rise, which cannot
                # change inside one TJ array.
                if items:
                    ops.append(_tj(items))
                    items = []
                rise = y_off
                ops.append(f"{pdf_number(rise * unit * size / 1000.0)} Ts")
            items.append(pen.move_to(pen.ideal + x_off * unit))
            items.append(bytes((byte,)))
            pen.actual += face.width_1000(codes[glyph_index])
            pen.ideal += x_adv * unit
            glyph_index += 1
        if items:
            ops.append(_tj(items))
        if rise:
            ops.append("0 Ts")
    if run.embolden:
        ops.append("0 Tr")


def line_operators(line: ShapedLine, x: float, y: float, size: float, doc: Any) -> str:
    """Return a BT..ET block drawing ``line`` with its baseline starting at (x, y)."""
    ops = ["BT", f"{pdf_number(x)} {pdf_number(y)} Td"]
    pen = _Pen()
    for run in line.runs:
        _run_ops(run, size, doc, pen, ops)
    ops.append("ET")
    if any(run.embolden for run in line.runs):
        # The outline width set for emboldening must not leak into later drawing.
        ops.insert(0, "q")
        ops.append("Q")
    return "\n".join(ops)
