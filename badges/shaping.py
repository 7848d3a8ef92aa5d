"""Bidi ordering, font fallback and HarfBuzz shaping of one line of text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import uharfbuzz as hb
from bidi import algorithm as uba

from .fonts import PLACEHOLDER, Face, FontChain, font_chain, is_pictograph, sticks_to_previous

# Embedding, override and isolate controls are dropped: in a pasted name they are
# noise, and the bidi implementation used here predates isolates.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Skin-tone modifiers: a black-and-white badge cannot show them, and alone they draw as swatches.
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")
_RTL_TYPES = frozenset(("R", "AL"))
_REMOVED_TYPES = frozenset(("RLE", "LRE", "RLO", "LRO", "PDF", "BN"))


@dataclass(frozen=True, slots=True)
class GlyphRun:
    """Glyphs of one font in visual (left-to-right drawing) order.

    ``glyphs`` holds (glyph id, x advance, x offset, y offset) in font units.
    """

    face: Face
    glyphs: tuple[tuple[int, int, int, int], ...]
    width: float
    rtl: bool
    text: str
    embolden: bool = False


@dataclass(frozen=True, slots=True)
class ShapedLine:
    """A shaped line; ``width``, ``ascent`` and ``descent`` are in em (size 1)."""

    text: str
    runs: tuple[GlyphRun, ...]
    width: float
    ascent: float
    descent: float
    rtl: bool

    @property
    def height(self) -> float:
        """Line height in em."""
        return self.ascent + self.descent

    def faces(self) -> tuple[Face, ...]:
        """The faces used, in visual order."""
        return tuple(run.face for run in self.runs)


def clean_text(text: str) -> str:
    """NFC-normalise, drop bidi controls and skin tones, and fold white space to single spaces."""
    text = unicodedata.normalize("NFC", _SKIN_TONES.sub("", _BIDI_CONTROLS.sub("", text)))
    return " ".join(text.split())


def _drawable(text: str, chain: FontChain) -> str:
    """The text with each pictograph no font has replaced by a visible placeholder."""
    if text.isascii():
        return text
    return "".join(PLACEHOLDER if is_pictograph(ch) and not chain.covers(ch) else ch for ch in text)


def bidi_levels(text: str) -> tuple[list[int], bool]:
    """Return the resolved embedding level of every character and the paragraph direction."""
    if not any(unicodedata.bidirectional(ch) in _RTL_TYPES for ch in text):
        return [0] * len(text), False
    storage = uba.get_empty_storage()
    base = uba.get_base_level(text)
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    uba.get_embedding_levels(text, storage)
    chars = list(storage["chars"])
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    levels: list[int] = []
    for info in chars:
        # Characters removed by rule X9 (joiners, for example) take the level
        # of the character before them so they stay inside its run.
        removed = info["orig"] in _REMOVED_TYPES
        levels.append(levels[-1] if removed and levels else int(info["level"]))
    return levels, bool(base & 1)


def _itemise(text: str, levels: list[int], chain: FontChain) -> list[tuple[int, int, Face, int]]:
    """Split text into (start, end, face, level) runs in logical order."""
    runs: list[tuple[int, int, Face, int]] = []
    start = 0
    face: Face | None = None
    for i, ch in enumerate(text):
        if face is not None and levels[i] == levels[start] and _stays(ch, face, chain):
            continue
        if face is not None:
            runs.append((start, i, face, levels[start]))
        start = i
        face = chain.face_for(ch)
    if face is not None:
        runs.append((start, len(text), face, levels[start]))
    return runs


def _stays(ch: str, face: Face, chain: FontChain) -> bool:
    # Marks and joiners never leave their base's run. Spaces, digits and
    # punctuation stay when the current face has them; letters always go to
    # the first face for their script, so Latin after Chinese is not drawn
    # with the CJK font's Latin glyphs.
    if sticks_to_previous(ch):
        return True
    if ord(ch) not in face.coverage:
        return False
    return not unicodedata.category(ch).startswith("L") or chain.face_for(ch) is face


def _shape_run(text: str, start: int, end: int, face: Face, rtl: bool, embolden: bool) -> GlyphRun:
    buf = hb.Buffer()
    # The whole line is handed over as context so that joining across a run
    # boundary (Arabic next to a joiner, for example) is still right.
    buf.add_str(text, start, end - start)
    buf.direction = "rtl" if rtl else "ltr"
    buf.guess_segment_properties()
    hb.shape(face.hb_font, buf)
    glyphs = tuple(
        (info.codepoint, pos.x_advance, pos.x_offset, pos.y_offset)
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
    )
    width = sum(g[1] for g in glyphs) / face.upem
    return GlyphRun(face, glyphs, width, rtl, text[start:end], embolden)


def _visual_order(runs: list[tuple[GlyphRun, int]]) -> list[GlyphRun]:
    """Reorder runs by rule L2: reverse every sequence at or above each odd level."""
    if not runs:
        return []
    items = list(runs)
    highest = max(level for _, level in items)
    lowest_odd = min((level for _, level in items if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(items):
            if items[i][1] >= level:
                j = i
                while j < len(items) and items[j][1] >= level:
                    j += 1
                items[i:j] = items[i:j][::-1]
                i = j
            else:
                i += 1
    return [run for run, _ in items]


def shape_line(text: str, bold: bool = False) -> ShapedLine:
    """Shape one line: bidi levels, per-script fonts, HarfBuzz, visual order."""
    return _shape_with(text, font_chain(bold))


# Keyed by the chain itself: once fonts are installed, lines are shaped again with the new chain,
# and one PDF never mixes faces of an old chain with a new one.
@lru_cache(maxsize=8192)
def _shape_with(text: str, chain: FontChain) -> ShapedLine:
    text = _drawable(clean_text(text), chain)
    levels, rtl = bidi_levels(text)
    shaped = [
        (_shape_run(text, start, end, face, bool(level & 1), face in chain.emboldened), level)
        for start, end, face, level in _itemise(text, levels, chain)
    ]
    runs = tuple(_visual_order(shaped))
    if not runs:
        primary = chain.faces[0]
        ascent, descent = primary.extents
    else:
        ascent = max(run.face.extents[0] for run in runs)
        descent = max(run.face.extents[1] for run in runs)
    width = sum(run.width for run in runs)
    return ShapedLine(text, runs, width, ascent, descent, rtl)
