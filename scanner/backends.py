"""QR decoder backends behind one small interface: zbar (default) or zxing-cpp.

The backend is chosen by name, or by the `GATE_DECODER` environment variable
(`zbar`, the default, or `zxing`). zxing-cpp is an optional extra
(`pip install gate-checkin[zxing]`) and is imported only when asked for.
"""

from __future__ import annotations

import os
from ctypes import c_void_p, string_at
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from scanner.text import payload_text

__all__ = ["DEFAULT_DECODER", "Decoder", "Symbol", "ZbarDecoder", "ZxingDecoder", "get_decoder", "resolve_decoder"]

DEFAULT_DECODER = "zbar"
ENV_VAR = "GATE_DECODER"
Point = tuple[float, float]


@dataclass(frozen=True)
class Symbol:
    """One decoded QR code: its text and its corners in the image it was read from."""

    text: str
    points: tuple[Point, ...]


class Decoder(Protocol):
    """A QR decoder working on one 8-bit greyscale image."""

    name: str
    # Largest image (in pixels) worth a whole-frame pass on every frame: a fast
    # decoder can take a full 720p frame, a slow one only a thumbnail.
    full_frame_pixels: int
    # Largest image for the occasional thorough pass, when nothing else was found.
    thorough_pixels: int
    # Whether the backend reads light-on-dark codes by itself.
    reads_inverted: bool

    def read(self, gray: np.ndarray) -> list[Symbol]:
        """Return the QR codes found in `gray`."""
        ...


class ZbarDecoder:
    """zbar through pyzbar, restricted to the QR symbology."""

    name = "zbar"
    # zbar walks every scan line, about 20 ms for an empty 720p frame; a
    # whole-frame pass is only cheap on small images.
    full_frame_pixels = 320 * 240
    thorough_pixels = 640 * 360
    reads_inverted = False

    def __init__(self) -> None:
        from pyzbar import wrapper

        self._zbar = wrapper

    def read(self, gray: np.ndarray) -> list[Symbol]:
        """Return the QR codes zbar finds in `gray`."""
        z = self._zbar
        height, width = gray.shape
        # zbar reads the pixels in place during the scan: no copy, and the
        # array stays alive (referenced here) until the image is destroyed.
        pixels = np.ascontiguousarray(gray, dtype=np.uint8)
        # A fresh scanner for every image, as pyzbar makes one per call: zbar's
        # QR reader carries random state from one image to the next, so a
        # reused scanner now and then misses a code that a fresh one (and plain
        # pyzbar) reads. Setting one up costs about 20 microseconds.
        scanner = _OwnedScanner(z)
        image = z.zbar_image_create()
        try:
            z.zbar_image_set_format(image, _FOURCC_Y800)
            z.zbar_image_set_size(image, width, height)
            z.zbar_image_set_data(image, pixels.ctypes.data_as(c_void_p), pixels.size, None)
            if z.zbar_scan_image(scanner.handle, image) <= 0:
                return []
            return [self._symbol(sym) for sym in self._symbols(image)]
        finally:
            z.zbar_image_destroy(image)

    def _symbols(self, image: Any) -> list[Any]:
        found, sym = [], self._zbar.zbar_image_first_symbol(image)
        while sym:
            found.append(sym)
            sym = self._zbar.zbar_symbol_next(sym)
        return found

    def _symbol(self, sym: Any) -> Symbol:
        z = self._zbar
        data = string_at(z.zbar_symbol_get_data(sym), z.zbar_symbol_get_data_length(sym))
        count = z.zbar_symbol_get_loc_size(sym)
        points = tuple(
            (float(z.zbar_symbol_get_loc_x(sym, i)), float(z.zbar_symbol_get_loc_y(sym, i))) for i in range(count)
        )
        return Symbol(payload_text(data), points)


class _OwnedScanner:
    """A zbar image scanner for QR codes only, destroyed when dropped."""

    def __init__(self, zbar: Any) -> None:
        # Held here: at interpreter exit the module's names may already be gone.
        self._destroy = zbar.zbar_image_scanner_destroy
        self.handle = zbar.zbar_image_scanner_create()
        if not self.handle:
            raise MemoryError("zbar could not create an image scanner")
        zbar.zbar_image_scanner_set_config(self.handle, 0, zbar.ZBarConfig.CFG_ENABLE, 0)
        zbar.zbar_image_scanner_set_config(self.handle, zbar.ZBarSymbol.QRCODE, zbar.ZBarConfig.CFG_ENABLE, 1)

    def __del__(self) -> None:
        if self.handle:
            self._destroy(self.handle)


# zbar's fourcc for 8-bit greyscale ("Y800").
_FOURCC_Y800 = 0x30303859


class ZxingDecoder:
    """zxing-cpp, an optional and faster backend."""

    name = "zxing"
    full_frame_pixels = 1920 * 1080
    thorough_pixels = 1920 * 1080
    reads_inverted = True

    def __init__(self) -> None:
        try:
            import zxingcpp
        except ImportError as exc:
            raise RuntimeError(
                "the zxing decoder needs zxing-cpp: pip install 'gate-checkin[zxing]'"
            ) from exc
        self._zx = zxingcpp

    def read(self, gray: np.ndarray) -> list[Symbol]:
        """Return the QR codes zxing-cpp finds in `gray`, light-on-dark included."""
        zx = self._zx
        found = zx.read_barcodes(
            np.ascontiguousarray(gray),
            formats=zx.BarcodeFormat.QRCode,
            try_rotate=True,
            try_downscale=True,
            try_invert=True,
            text_mode=zx.TextMode.Plain,
        )
        return [self._symbol(code) for code in found if code.valid]

    @staticmethod
    def _symbol(code: Any) -> Symbol:
        pos = code.position
        corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        # zxing-cpp guesses the character set itself; trust it unless it gave nothing.
        text = code.text if code.text or not code.bytes else payload_text(bytes(code.bytes))
        return Symbol(text, tuple((float(p.x), float(p.y)) for p in corners))


_BACKENDS: dict[str, type] = {
    "zbar": ZbarDecoder,
    "pyzbar": ZbarDecoder,
    "zxing": ZxingDecoder,
    "zxing-cpp": ZxingDecoder,
}


def resolve_decoder(decoder: str | Decoder | None) -> Decoder:
    """A decoder object as given, or the one a name (or the environment) chooses."""
    return decoder if decoder is not None and not isinstance(decoder, str) else get_decoder(decoder)


def get_decoder(name: str | None = None) -> Decoder:
    """Return the decoder called `name`, or the one `GATE_DECODER` names, or zbar."""
    chosen = (name or os.environ.get(ENV_VAR) or DEFAULT_DECODER).strip().lower()
    if chosen not in _BACKENDS:
        known = ", ".join(sorted(_BACKENDS))
        raise ValueError(f"unknown QR decoder {chosen!r}; choose one of: {known}")
    return _cached_decoder(_BACKENDS[chosen])


@lru_cache(maxsize=None)
def _cached_decoder(kind: type) -> Decoder:
    decoder: Decoder = kind()
    return decoder
