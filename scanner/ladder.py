"""The ladder of attempts on one candidate region, from cheap to costly.

Before any decoding, the crop is examined (about half a millisecond):

- module size, from the runs of a binarised crop (half the runs of random
  modules are a single module long), then from the finder patterns;
- finder patterns (see `scanner.finders`): their presence, the polarity
  (normal or light-on-dark), and with three of them the window that holds
  the code, so the decoder is not handed the signage beside it.

A crop without finder patterns (text, a patterned shirt) is not worth any
decoder time: zbar and zxing-cpp both need the finders to read a code. One
with them gets every rung in the right polarity (plain, sharpened, for dim
codes contrast-stretched, for small modules upscaled and upscaled-sharpened),
at a scale that puts its modules where the decoder reads them best, and as a
last resort the whole crop when the window was a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from scanner.finders import Box, Finder, code_window, find_finders, threshold_offset

__all__ = ["Attempt", "Evidence", "attempts", "examine"]

# Module size (pixels) the plain rung aims for: zbar misses modules under
# about 3.25 px and gains nothing from more than 6.
PLAIN_MODULE = 4.0
UPSCALED_MODULE = 8.0
# Estimates this small mean small, dense or blurred modules, worth upscaling.
SMALL_MODULE = 6.0
PLAIN_SIDE = 480
# Largest crop worth a second, full-size look for finder patterns (~1 ms).
RETRY_PIXELS = 300_000
# Below this spread of grey levels a window gets a contrast-stretched attempt.
LOW_CONTRAST = 160
# zbar spends about 20 ns a pixel: an upscaled attempt stays under ~5 ms.
UPSCALED_PIXELS = 250_000


@dataclass(frozen=True)
class Evidence:
    """What a glance at a crop says: module size, finders, polarity, and where the code is."""

    module: float
    finders: int
    inverted: bool
    window: Box

    @property
    def likely(self) -> bool:
        """Whether the crop shows at least one finder pattern."""
        return self.finders > 0


@dataclass(frozen=True)
class Attempt:
    """An image to hand the decoder, and how to map its points back to the crop."""

    image: np.ndarray
    scale: float
    pad: int
    origin: tuple[int, int]


def examine(crop: np.ndarray, core: np.ndarray, retry: bool = True) -> Evidence:
    """Look at a crop and its busy core: module size, finder patterns, polarity, code window.

    `retry` allows a second look at full size when the first, shrunk one finds fewer than three finders.
    """
    module = _module_size(core)
    scale = _plain_scale(crop, module)
    finders = _finders_at(crop, scale, module * scale)
    if len(finders) < 3 and retry and scale < 1.0 and crop.size <= RETRY_PIXELS:
        # Clutter beside a small code (a checked shirt, signage) inflates the
        # estimate and the shrunk crop loses finders; look again at full size,
        # for the small modules the estimate missed, and keep the better look.
        again = _finders_at(crop, 1.0, PLAIN_MODULE)
        if len(again) > len(finders):
            scale, finders = 1.0, again
    window = (0, 0, crop.shape[1], crop.shape[0])
    if not finders:
        return Evidence(module, 0, False, window)
    # A finder is 7 modules across: the best measure of module size there is.
    sides = sorted(f.side for f in finders)
    module = max(sides[len(sides) // 2] / 7.0 / scale, 1.0)
    inverted = sum(f.light_on_dark for f in finders) * 2 > len(finders)
    bounds = code_window(finders, (round(crop.shape[0] * scale), round(crop.shape[1] * scale)))
    if bounds is not None:
        x0, y0, x1, y1 = (int(round(v / scale)) for v in bounds)
        window = (x0, y0, min(x1, crop.shape[1]), min(y1, crop.shape[0]))
    return Evidence(module, len(finders), inverted, window)


def _finders_at(crop: np.ndarray, scale: float, module: float) -> list[Finder]:
    plain = _resized(crop, scale)
    sharp = _sharpened(plain, scale)
    return find_finders(sharp, module, threshold_offset(plain, sharp, module))


def attempts(crop: np.ndarray, evidence: Evidence) -> Iterator[Attempt]:
    """Yield the attempts for one crop, cheapest first, each built only when asked for."""
    x0, y0, x1, y1 = evidence.window
    code = crop[y0:y1, x0:x1]
    invert, origin = evidence.inverted, (x0, y0)
    scale = _plain_scale(code, evidence.module)
    plain = _resized(code, scale)
    yield _attempt(plain, scale, invert, origin)
    yield _attempt(_sharpened(plain, scale), scale, invert, origin)
    stretched = _stretched(plain)
    if stretched is not None:
        yield _attempt(_sharpened(stretched, scale), scale, invert, origin)
    up = _upscaled_scale(code, evidence.module)
    if up is not None:
        big = _resized(code, up)
        yield _attempt(big, up, invert, origin)
        yield _attempt(_sharpened(big, up), up, invert, origin)
    if code.size < 0.7 * crop.size:
        # The window came from three finders; should they have misled, try all.
        whole = _plain_scale(crop, evidence.module)
        yield _attempt(_resized(crop, whole), whole, invert, (0, 0))


def _attempt(image: np.ndarray, scale: float, invert: bool, origin: tuple[int, int]) -> Attempt:
    """Pad with a light margin: crops cut at the frame edge lose the quiet zone decoders need."""
    if invert:
        image = cv2.bitwise_not(image)
    pad = max(8, max(image.shape) // 16)
    light = int(image.max())
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=light)
    return Attempt(padded, scale, pad, origin)


def _module_size(core: np.ndarray) -> float:
    """Estimate module size in pixels from the runs of the binarised core."""
    _, binary = cv2.threshold(core, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Every other row and column is plenty of runs, at half the cost.
    runs = np.concatenate([_run_lengths(binary[::2]), _run_lengths(binary[:, ::2].T)])
    if runs.size == 0:
        return PLAIN_MODULE
    # Half the runs of random modules are one module long; a low percentile of
    # all runs stays on them even when background around the code adds long runs.
    pick = runs.size * 3 // 10
    return float(max(np.partition(runs, pick)[pick], 1))


def _run_lengths(binary: np.ndarray) -> np.ndarray:
    """Lengths of the runs between flips along the rows, edge runs excluded."""
    flips = np.flatnonzero(binary[:, 1:] != binary[:, :-1])
    width = binary.shape[1] - 1
    rows, cols = np.divmod(flips, width)
    same_row = rows[1:] == rows[:-1]
    return np.diff(cols)[same_row]


def _plain_scale(crop: np.ndarray, module: float) -> float:
    return min(1.0, PLAIN_MODULE / module, PLAIN_SIDE / max(crop.shape))


def _upscaled_scale(crop: np.ndarray, module: float) -> float | None:
    """Scale for the upscaled rung, or None if the modules are already big enough."""
    if module >= SMALL_MODULE:
        return None
    scale = min(3.0, max(1.5, UPSCALED_MODULE / module), (UPSCALED_PIXELS / crop.size) ** 0.5)
    return scale if scale >= 1.25 else None


def _resized(image: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return image
    if scale > 1.0:
        return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    # Area averaging by a fractional factor is slow in OpenCV; halving by area
    # (its fast path) and finishing with a bilinear step costs a tenth of it.
    while scale < 0.5:
        half = (max(image.shape[1] // 2, 1), max(image.shape[0] // 2, 1))
        image = cv2.resize(image, half, interpolation=cv2.INTER_AREA)
        scale *= 2.0
    size = (max(int(round(image.shape[1] * scale)), 1), max(int(round(image.shape[0] * scale)), 1))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


def _stretched(image: np.ndarray) -> np.ndarray | None:
    """The image with its contrast stretched to the full range, or None if it has plenty already."""
    # A dim phone screen spans a few dozen grey levels; sharpening then gains
    # the edges zbar needs only once the levels are spread out.
    low, high = np.percentile(image, (2, 98))
    if high - low >= LOW_CONTRAST or high <= low:
        return None
    return cv2.convertScaleAbs(image, alpha=255.0 / (high - low), beta=-low * 255.0 / (high - low))


def _sharpened(image: np.ndarray, scale: float) -> np.ndarray:
    """Unsharp mask: restores module edges softened by focus or motion blur."""
    # Strong on purpose: zbar's own binariser copes with overshoot, not with soft edges.
    sigma = max(1.0, 1.5 * scale)
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    return cv2.addWeighted(image, 2.5, blurred, -1.5, 0)
