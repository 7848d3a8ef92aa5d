"""Checking and normalising the images handed to the decoder."""

from __future__ import annotations

import struct

import cv2
import numpy as np

__all__ = ["as_gray", "declared_size", "image_from_bytes"]

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


def image_from_bytes(data: bytes | bytearray | memoryview) -> np.ndarray:
    """Decode an encoded image (PNG, JPEG, WebP, BMP...) to 8-bit grey; ValueError if impossible."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected image bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("image is empty (0 bytes)")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"image is too large ({len(data)} bytes, at most {MAX_IMAGE_BYTES})")
    declared = declared_size(bytes(data[:65536]))
    if declared is not None and declared[0] * declared[1] > MAX_PIXELS:
        # A small PNG or JPEG can announce gigapixels; refuse before allocating them.
        raise ValueError(f"image is too large ({declared[0]}x{declared[1]} pixels)")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
    except cv2.error as exc:
        raise ValueError(f"not a readable image: {exc.msg if hasattr(exc, 'msg') else exc}") from exc
    if image is None or image.size == 0:
        raise ValueError("not a readable image (expected PNG, JPEG, WebP or BMP bytes)")
    if image.size > MAX_PIXELS:
        raise ValueError(f"image is too large ({image.shape[1]}x{image.shape[0]} pixels)")
    return image


def declared_size(head: bytes) -> tuple[int, int] | None:
    """Width and height a PNG or JPEG header announces, or None if not found."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head)
    return None


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    """Walk the JPEG segments to the start-of-frame marker that holds the size."""
    at = 2
    while at + 9 <= len(head) and head[at] == 0xFF:
        marker, length = head[at + 1], struct.unpack(">H", head[at + 2 : at + 4])[0]
        # SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None
