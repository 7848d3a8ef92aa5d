"""Checking and normalising the images handed to the decoder."""

from __future__ import annotations

import struct

import cv2
import numpy as np

__all__ = ["as_gray", "declared_size", "image_format", "image_from_bytes"]

# Uploads larger than this are refused before decoding: a phone photo is a few MB.
MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 40_000_000


def as_gray(image: object) -> np.ndarray:
    """Return `image` (grey, BGR or BGRA NumPy array, as OpenCV gives it) as 8-bit grey."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected an image as a NumPy array, got {type(image).__name__}")
    if image.ndim not in (2, 3) or image.size == 0 or min(image.shape[:2]) == 0:
        raise ValueError(f"expected a non-empty 2-D grey or 3-D colour image, got shape {image.shape}")
    if image.dtype != np.uint8:
        image = _to_uint8(image)
    if image.ndim == 2:
        return image
    channels = image.shape[2]
    if channels == 1:
        return image[:, :, 0]
    # OpenCV wants pixels laid out row by row; a view (a crop, a flip) may not be.
    if channels == 3:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGR2GRAY)
    if channels == 4:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"expected 1, 3 or 4 colour channels, got {channels}")


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """Bring 16-bit, float or boolean images to 0..255 the way OpenCV writers would."""
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        if not np.isfinite(image).all():
            raise ValueError("image contains NaN or infinite values")
        # Float images are 0..1 by convention unless their values say otherwise.
        top = 1.0 if float(image.max(initial=0.0)) <= 1.0 else 255.0
        return np.clip(image * (255.0 / top), 0, 255).astype(np.uint8)
    if np.issubdtype(image.dtype, np.integer):
        return np.clip(image, 0, 255).astype(np.uint8)
    raise TypeError(f"unsupported image pixel type {image.dtype}")


def image_from_bytes(data: bytes | bytearray | memoryview, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode a PNG, JPEG, WebP or BMP image to 8-bit grey; ValueError if impossible or too large.

    The size the header announces is checked before anything is decoded, and
    only formats whose header is read here are decoded at all: a few kilobytes
    of TIFF or another format could otherwise announce gigapixels.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected image bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("image is empty (0 bytes)")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"image is too large ({len(data)} bytes, at most {MAX_IMAGE_BYTES})")
    if image_format(data) is None:
        raise ValueError("not an image this service reads (PNG, JPEG, WebP or BMP)")
    declared = declared_size(data)
    if declared is None or min(declared) <= 0:
        raise ValueError("not a readable image (its header gives no size)")
    if declared[0] * declared[1] > max_pixels:
        raise ValueError(f"image is too large ({declared[0]}x{declared[1]} pixels, at most {max_pixels:,})")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
    except cv2.error as exc:
        raise ValueError(f"not a readable image: {exc.msg if hasattr(exc, 'msg') else exc}") from exc
    if image is None or image.size == 0:
        raise ValueError("not a readable image (expected PNG, JPEG, WebP or BMP bytes)")
    if image.size > max_pixels:
        raise ValueError(f"image is too large ({image.shape[1]}x{image.shape[0]} pixels)")
    return image


def image_format(data: bytes | bytearray | memoryview) -> str | None:
    """'png', 'jpeg', 'webp' or 'bmp' from the first bytes, or None for anything else."""
    head = bytes(data[:12])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"BM"):
        return "bmp"
    return None


def declared_size(data: bytes | bytearray | memoryview) -> tuple[int, int] | None:
    """Width and height a PNG, JPEG, WebP or BMP header announces, or None if not found."""
    data = memoryview(data)
    kind = image_format(data)
    try:
        if kind == "png" and data[12:16] == b"IHDR":
            return struct.unpack_from(">II", data, 16)
        if kind == "jpeg":
            return _jpeg_size(data)
        if kind == "webp":
            return _webp_size(data)
        if kind == "bmp":
            return _bmp_size(data)
    except (struct.error, IndexError):  # the header ends before the size
        return None
    return None


def _jpeg_size(data: memoryview) -> tuple[int, int] | None:
    """Walk the JPEG segments to the start-of-frame marker that holds the size."""
    at = 2
    while at + 9 <= len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], struct.unpack_from(">H", data, at + 2)[0]
        # SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack_from(">HH", data, at + 5)
            return width, height
        at += 2 + length
    return None


def _webp_size(data: memoryview) -> tuple[int, int] | None:
    """The canvas size of a simple (VP8, VP8L) or extended (VP8X) WebP file."""
    chunk = bytes(data[12:16])
    if chunk == b"VP8 " and bytes(data[23:26]) == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = struct.unpack_from("<I", data, 21)[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width, height = (int.from_bytes(data[at:at + 3], "little") + 1 for at in (24, 27))
        return width, height
    return None


def _bmp_size(data: memoryview) -> tuple[int, int] | None:
    """The size in a BMP's info header (the old 12-byte one or any later, larger one)."""
    header = struct.unpack_from("<I", data, 14)[0]
    if header == 12:
        return struct.unpack_from("<HH", data, 18)
    if header >= 40:
        width, height = struct.unpack_from("<ii", data, 18)
        return width, abs(height)  # a negative height is a top-down image
    return None
