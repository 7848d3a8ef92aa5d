"""Font lookup by path, the script fallback chain, and glyph codes for PDF output."""

from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import uharfbuzz as hb
from reportlab.pdfbase.ttfonts import TTFont

from .errors import FontNotFoundError

# Directories searched in order; BADGE_FONT_DIRS (os.pathsep-separated) comes first.
DEFAULT_FONT_DIRS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts-droid-fallback/truetype",
    "/usr/share/fonts/truetype/droid",
    "/usr/share/fonts/truetype/wqy",
    "/usr/share/fonts/truetype/nanum",
    "/usr/share/fonts/truetype/ancient-scripts",  # fonts-symbola: emoji in black and white
    "/usr/local/share/fonts",
)

# (regular, bold) file names per script family, in fallback order. Only fonts with
# TrueType outlines are listed: the PDF writer embeds and subsets glyf fonts.
FAMILIES: tuple[tuple[str, str], ...] = (
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    ("NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf"),
    ("NotoSansTamil-Regular.ttf", "NotoSansTamil-Bold.ttf"),
    ("NotoSansTelugu-Regular.ttf", "NotoSansTelugu-Bold.ttf"),
    ("NotoSansKannada-Regular.ttf", "NotoSansKannada-Bold.ttf"),
    ("NotoSansMalayalam-Regular.ttf", "NotoSansMalayalam-Bold.ttf"),
    ("NotoSansGujarati-Regular.ttf", "NotoSansGujarati-Bold.ttf"),
    ("NotoSansGurmukhi-Regular.ttf", "NotoSansGurmukhi-Bold.ttf"),
    ("NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"),
    ("NotoSansArmenian-Regular.ttf", "NotoSansArmenian-Bold.ttf"),
    ("NotoSansGeorgian-Regular.ttf", "NotoSansGeorgian-Bold.ttf"),
    ("NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
    ("NotoSansSinhala-Regular.ttf", "NotoSansSinhala-Bold.ttf"),
    # Chinese, Japanese and Korean in one TrueType font (fonts-droid-fallback);
    # Noto CJK has PostScript outlines, which the PDF writer cannot subset.
    ("DroidSansFallback.ttf", "DroidSansFallback.ttf"),
    ("wqy-zenhei.ttc", "wqy-zenhei.ttc"),
    ("NanumGothic.ttf", "NanumGothicBold.ttf"),
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSansSymbols2-Regular.ttf", "NotoSansSymbols2-Regular.ttf"),
    # Emoji as outlines (up to Unicode 9): colour emoji fonts are bitmaps, which PDFs cannot take.
    ("Symbola_hint.ttf", "Symbola_hint.ttf"),
)

# Characters that never start a new font run: they belong to the cluster before them.
_JOINERS = {"\u200c", "\u200d", "\u034f", "\u2060"}
_PUA_START = 0xE000
_PUA_END = 0xF8FF


def font_dirs() -> list[str]:
    """The directories searched for fonts, in order."""
    extra = [d for d in os.environ.get("BADGE_FONT_DIRS", "").split(os.pathsep) if d]
    return extra + list(DEFAULT_FONT_DIRS)


def find_font(filename: str, dirs: list[str] | None = None) -> Path | None:
    """Return the path of ``filename`` in the font directories, or None."""
    for directory in dirs if dirs is not None else font_dirs():
        path = Path(directory) / filename
        if path.is_file():
            return path
    return None


class Face:
    """One font file: HarfBuzz for shaping and the ReportLab font for embedding."""

    def __init__(self, path: Path, index: int) -> None:
        self.path = path
        self.pdf_name = f"Badge{index}-{path.stem}"
        self._lock = threading.RLock()
        self._ttfont: TTFont | None = None
        self._pua: dict[int, int] = {}
        self._next_pua = _PUA_START

    @cached_property
    def hb_face(self) -> hb.Face:
        """The HarfBuzz face."""
        return hb.Face(hb.Blob.from_file_path(str(self.path)), 0)

    @cached_property
    def hb_font(self) -> hb.Font:
        """A HarfBuzz font at design units (one unit = 1/upem em)."""
        return hb.Font(self.hb_face)

    @cached_property
    def upem(self) -> int:
        """Design units per em."""
        return int(self.hb_face.upem)

    @cached_property
    def coverage(self) -> frozenset[int]:
        """The code points the font maps to glyphs."""
        return frozenset(self.hb_face.unicodes)

    @cached_property
    def extents(self) -> tuple[float, float]:
        """(ascent, descent) in em, both positive, from the font's line metrics."""
        ext = self.hb_font.get_font_extents("ltr")
        return ext.ascender / self.upem, -ext.descender / self.upem

    @property
    def ttfont(self) -> TTFont:
        """The ReportLab font used to embed subsets in PDFs."""
        if self._ttfont is None:
            # Exactly one instance per face: ReportLab tracks each document's
            # subsets on the font object, so a second one would split them.
            with self._lock:
                if self._ttfont is None:
                    # Subsets hold only the glyphs used, not all of ASCII as well.
                    ttfont = TTFont(self.pdf_name, str(self.path), asciiReadable=False)
                    _serialise_subsetting(ttfont.face, self._lock)
                    self._ttfont = ttfont
        return self._ttfont

    def code_for_glyph(self, gid: int) -> int:
        """Return the character code ReportLab subsets use for glyph ``gid``."""
        face = self.ttfont.face
        chars = face.glyphToChar.get(gid)
        if chars:
            return int(chars[0])
        return self._private_code(gid)

    def _private_code(self, gid: int) -> int:
        # Shaped forms (conjuncts, joined Arabic letters) have no character of
        # their own; ReportLab's subsetter is keyed by character, so each such
        # glyph gets a private-use code point that maps to it.
        with self._lock:
            if gid in self._pua:
                return self._pua[gid]
            face = self.ttfont.face
            code = self._next_pua
            while code in face.charToGlyph:
                code += 1
            if code > _PUA_END:
                return 0
            self._next_pua = code + 1
            advance = face.hmetrics[gid][0] if gid < len(face.hmetrics) else 0
            face.charToGlyph[code] = gid
            face.glyphToChar.setdefault(gid, []).append(code)
            face.charWidths[code] = advance * 1000.0 / face.unitsPerEm
            self._pua[gid] = code
            return code

    def width_1000(self, code: int) -> float:
        """The advance the PDF viewer uses for ``code``, in 1/1000 em."""
        face = self.ttfont.face
        return float(face.charWidths.get(code, face.defaultWidth))


def _serialise_subsetting(face: Any, lock: threading.RLock) -> None:
    """Let one thread at a time subset this face.

    ReportLab's subsetter reads the font file through one shared cursor, so two
    PDFs saved at once by a threaded server would read each other's glyphs.
    """
    make_subset = face.makeSubset

    def make_subset_alone(subset: list[int]) -> bytes:
        with lock:
            return make_subset(subset)

    face.makeSubset = make_subset_alone


@dataclass(frozen=True)
class FontChain:
    """Faces in fallback order for one weight; the first face is the primary font.

    ``emboldened`` lists faces that stand in for a bold weight the family lacks;
    they are drawn with a thin outline so that bold text stays bold in every script.
    """

    faces: tuple[Face, ...]
    emboldened: frozenset[Face] = frozenset()

    def face_for(self, char: str) -> Face:
        """Return the first face that covers ``char`` (the primary one if none does)."""
        code = ord(char)
        for face in self.faces:
            if code in face.coverage:
                return face
        return self.faces[0]

    def covers(self, char: str) -> bool:
        """True when some face of the chain has a glyph for ``char``."""
        return any(ord(char) in face.coverage for face in self.faces)


def sticks_to_previous(char: str) -> bool:
    """True for marks and joiners, which must stay in the font run of their base."""
    return char in _JOINERS or unicodedata.category(char) in ("Mn", "Mc", "Me") or "\ufe00" <= char <= "\ufe0f"


_chains: dict[tuple[bool, tuple[str, ...], tuple[int, ...]], FontChain] = {}
_faces: dict[Path, Face] = {}
_chains_lock = threading.Lock()


def font_chain(bold: bool = False) -> FontChain:
    """Return the process-wide fallback chain for regular or bold text."""
    dirs = tuple(font_dirs())
    # Keyed by the directories' modification times too: fonts installed while the
    # server runs are found at the next badge, without a restart.
    key = (bold, dirs, _dirs_state(dirs))
    chain = _chains.get(key)
    if chain is None:
        with _chains_lock:
            chain = _chains.get(key) or _build_chain(bold, list(dirs))
            _chains[key] = chain
    return chain


def _dirs_state(dirs: tuple[str, ...]) -> tuple[int, ...]:
    """Each directory's modification time (-1 if absent): it changes when a font is added or removed."""
    state = []
    for directory in dirs:
        try:
            state.append(os.stat(directory).st_mtime_ns)
        except OSError:
            state.append(-1)
    return tuple(state)


def is_pictograph(char: str) -> bool:
    """True for emoji and other pictographic symbols: a badge draws PLACEHOLDER for one no font has."""
    code = ord(char)
    return unicodedata.category(char) == "So" and (0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF
                                                    or 0x1F000 <= code <= 0x1FAFF)


PLACEHOLDER = "\ufffd"  # the replacement character: plainly "cannot be shown here", never an empty box


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` that no installed font can draw, each once, in order.

    Pictographs are not among them: new emoji keep coming, and a badge draws a
    visible placeholder for one rather than refuse the guest's name.
    """
    chain = font_chain()
    missing: list[str] = []
    for char in text:
        if char in missing or _invisible(char) or is_pictograph(char) or chain.covers(char):
            continue
        missing.append(char)
    return missing


def _invisible(char: str) -> bool:
    # Spaces, joiners and variation selectors shape with their neighbours and need no glyph.
    return char in _JOINERS or "\ufe00" <= char <= "\ufe0f" or unicodedata.category(char)[0] in "ZC"


def _build_chain(bold: bool, dirs: list[str]) -> FontChain:
    faces: list[Face] = []
    emboldened: set[Face] = set()
    names = [pair[1 if bold else 0] for pair in FAMILIES]
    for (regular, _), name in zip(FAMILIES, names, strict=True):
        path = find_font(name, dirs)
        if path is None:
            continue
        face = _faces.get(path)
        if face is None:
            face = _faces[path] = Face(path, len(_faces))
        if face not in faces:
            faces.append(face)
            if bold and name == regular:
                emboldened.add(face)
    if not faces:
        raise FontNotFoundError(names, dirs)
    return FontChain(tuple(faces), frozenset(emboldened))
