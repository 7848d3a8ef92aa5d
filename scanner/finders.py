"""Finder patterns: the three nested squares in the corners of every QR code.

In a binarised image a finder is a contour with a grandchild (dark square,
light ring, dark centre) whose outer area is about 49/9 times the centre's.
Its depth in the contour tree tells the polarity: a dark shape at even depth
is a normal code, a hole in a dark area (odd depth) a light-on-dark one.
Three finders also give the code's module size and where exactly it lies,
so the decoder can be handed the code and little else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Finder", "code_window", "find_finders", "threshold_offset"]

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Finder:
    """A finder pattern: polarity, side (7 modules) and centre, in image pixels."""

    light_on_dark: bool
    side: float
    x: float
    y: float


def find_finders(image: np.ndarray, module: float, offset: int = 16) -> list[Finder]:
    """Finder patterns in a sharpened greyscale image whose modules are about `module` pixels.

    `offset` is how much darker than its neighbourhood a pixel must be to count
    as dark: above the image's noise, or speckle costs thousands of contours.
    """
    # A local threshold, over about a finder width, survives glare, shadows
    # and dim screens, where one threshold for the whole crop does not.
    block = int(min(max(module * 6, 11), 101)) | 1
    dark = cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, offset)
    contours, hierarchy = cv2.findContours(dark, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    links = hierarchy[0]
    # Text and textures give thousands of contours: find the few with a
    # grandchild in one vectorised step before looking at any shape.
    child = links[:, 2]
    grandchild = np.where(child >= 0, links[np.maximum(child, 0), 2], -1)
    found = []
    for index in map(int, np.flatnonzero(grandchild >= 0)):
        outer = contours[index]
        if _finder_shaped(outer, contours[int(grandchild[index])]):
            x, y, w, h = cv2.boundingRect(outer)
            side = math.sqrt(cv2.contourArea(outer))
            found.append(Finder(_depth(links, index) % 2 == 1, side, x + w / 2, y + h / 2))
    return found


def threshold_offset(image: np.ndarray, sharpened: np.ndarray, module: float) -> int:
    """The `find_finders` offset for `sharpened`, from the noise and contrast of `image`."""
    if module < 2.5:
        # Modules of a pixel or two make every neighbour pair an edge: no
        # noise to measure there, and such fine codes come from sharp images.
        return 16
    # Neighbouring pixels mostly differ by noise alone: the median difference
    # is about one sigma; sharpening multiplies noise by about 2.5, and two
    # sigma of that keeps speckle out. An eighth of the contrast caps it.
    median = _percentile(cv2.absdiff(image[:, 1:], image[:, :-1]), 0.5)
    contrast = _percentile(sharpened, 0.95) - _percentile(sharpened, 0.05)
    return int(max(16, min(5 * median, contrast // 8)))


def _percentile(image: np.ndarray, share: float) -> int:
    histogram = cv2.calcHist([image], [0], None, [256], [0, 256]).ravel().cumsum()
    return int(np.searchsorted(histogram, histogram[-1] * share))


def code_window(finders: list[Finder], shape: tuple[int, ...]) -> Box | None:
    """The box (x0, y0, x1, y1) holding the code with its quiet zone, if exactly three finders agree."""
    if len(finders) != 3:
        return None
    sides = sorted(f.side for f in finders)
    if sides[2] > 2 * sides[0]:
        return None
    corner, first, second = _corner_first(finders)
    arms = (_gap(corner, first), _gap(corner, second))
    if min(arms) < 2 * sides[1] or max(arms) > 2 * min(arms):
        return None
    # The fourth corner completes the parallelogram; perspective moves it, so
    # the margin holds half a finder, two modules of quiet zone, and slack.
    xs = [f.x for f in finders] + [first.x + second.x - corner.x]
    ys = [f.y for f in finders] + [first.y + second.y - corner.y]
    margin = sides[1] * (0.5 + 2 / 7) + 0.1 * max(arms)
    x0, y0 = max(int(min(xs) - margin), 0), max(int(min(ys) - margin), 0)
    x1, y1 = min(int(max(xs) + margin) + 1, shape[1]), min(int(max(ys) + margin) + 1, shape[0])
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _corner_first(finders: list[Finder]) -> tuple[Finder, Finder, Finder]:
    """Order three finders with the top-left one (facing the longest side) first."""
    a, b, c = finders
    longest = max((_gap(b, c), 0), (_gap(a, c), 1), (_gap(a, b), 2))[1]
    return [(a, b, c), (b, a, c), (c, a, b)][longest]


def _gap(p: Finder, q: Finder) -> float:
    return math.dist((p.x, p.y), (q.x, q.y))


def _finder_shaped(outer: np.ndarray, centre: np.ndarray) -> bool:
    """A 7x7-module square around a 3x3 centre: area ratio near 49/9, roughly square."""
    outer_area, centre_area = cv2.contourArea(outer), cv2.contourArea(centre)
    if outer_area < 9 or centre_area <= 0:
        return False
    _, _, w, h = cv2.boundingRect(outer)
    return 2.5 < outer_area / centre_area < 12 and 0.5 < w / h < 2


def _depth(links: np.ndarray, index: int) -> int:
    depth, parent = 0, links[index][3]
    while parent >= 0:
        depth, parent = depth + 1, links[parent][3]
    return depth
