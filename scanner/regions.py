"""Finding the parts of a frame that may hold a QR code, cheaply.

A QR code is a patch where the brightness goes up and down often both along
rows and along columns. On half- and quarter-size copies of the frame we
measure, per 8x8 cell, how much it oscillates horizontally and vertically,
keep the cells busy in both directions, join neighbours, and return the blobs
as boxes in frame coordinates. A whole 720p frame costs about a millisecond, far less than one
zbar pass, and plain walls, floors and faces yield no candidates at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Region", "find_regions"]

CELL = 8
# Brightness steps below this are sensor noise and JPEG ringing, not module
# edges; noisier frames raise it (see `_noise_floor`).
NOISE_FLOOR = 8
# Mean step (above the floor) a cell needs in both directions to count as busy.
BUSY = 2.0
# Smallest image side worth looking at: three cells and the pixel a step needs.
MIN_SIDE = 3 * CELL + 1
# Coarser pyramid levels stop at this short side (pixels).
COARSEST_SIDE = 160


@dataclass(frozen=True)
class Region:
    """A candidate box in frame pixels, with how strongly it looks like a code."""

    x: int
    y: int
    w: int
    h: int
    score: float

    def grown(self, by: float, limit: tuple[int, int]) -> Region:
        """Return the box grown by a fraction of its size on each side, clipped to `limit` (w, h)."""
        pad = int(round(max(self.w, self.h) * by)) + 4
        x0, y0 = max(self.x - pad, 0), max(self.y - pad, 0)
        x1, y1 = min(self.x + self.w + pad, limit[0]), min(self.y + self.h + pad, limit[1])
        return Region(x0, y0, x1 - x0, y1 - y0, self.score)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The region as (x0, y0, x1, y1)."""
        return (self.x, self.y, self.x + self.w, self.y + self.h)

    def overlaps(self, box: tuple[float, float, float, float]) -> bool:
        """Whether this region lies mostly inside `box` (x0, y0, x1, y1)."""
        return self._shared(box) >= 0.5 * self.w * self.h

    def touches(self, box: tuple[float, float, float, float]) -> bool:
        """Whether this region and `box` (x0, y0, x1, y1) share any area."""
        return self._shared(box) > 0

    def _shared(self, box: tuple[float, float, float, float]) -> float:
        ix = max(0.0, min(self.x + self.w, box[2]) - max(self.x, box[0]))
        iy = max(0.0, min(self.y + self.h, box[3]) - max(self.y, box[1]))
        return ix * iy


def find_regions(gray: np.ndarray, max_regions: int = 8) -> list[Region]:
    """Return up to `max_regions` candidate code regions of `gray`, most code-like first."""
    factor = 2 if min(gray.shape) >= 400 else 1
    image = _halved(gray) if factor == 2 else gray
    # A pyramid: the finest level sees modules of 2.5 to 8 pixels, each coarser
    # one modules twice as big (a phone held close, a large photo), whose cells
    # the finer levels find idle. A 720p frame needs two levels.
    found = _regions_at(image, factor)
    levels = 1
    while min(image.shape) >= 2 * MIN_SIDE and (levels == 1 or min(image.shape) >= 2 * COARSEST_SIDE):
        image, factor, levels = _halved(image), factor * 2, levels + 1
        found += _regions_at(image, factor)
    found.sort(key=lambda r: r.score, reverse=True)
    kept: list[Region] = []
    for region in found:
        if not any(region.overlaps(k.box) or k.overlaps(region.box) for k in kept):
            kept.append(region)
    return kept[:max_regions]


def _halved(image: np.ndarray) -> np.ndarray:
    # Halving exactly is OpenCV's fast path for area averaging.
    return cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_AREA)


def _regions_at(small: np.ndarray, factor: int) -> list[Region]:
    """Busy blobs found on `small` (the frame shrunk by `factor`), as boxes in frame pixels."""
    if min(small.shape) < MIN_SIDE:
        return []
    busy = _busy_cells(small)
    mask = (busy >= BUSY).astype(np.uint8)
    # Side neighbours only: joining cells by their corners would bridge a code
    # to the signage or pattern beside it.
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    scale = CELL * factor
    regions = []
    # Noise leaves many one-cell blobs: drop them all at once before looking closer.
    for x, y, w, h, area in stats[1:][_plausible(stats[1:])].tolist():
        # Scores in units of fine cells, so both scales rank together.
        energy = float(busy[y : y + h, x : x + w].sum()) * factor
        regions.append(Region(x * scale, y * scale, w * scale, h * scale, energy))
    return regions


def _busy_cells(small: np.ndarray) -> np.ndarray:
    """Per cell, the smaller of the horizontal and vertical back-and-forth brightness change."""
    # Whole cells only: OpenCV pools by an integer factor far faster than by a fraction.
    rows = (small.shape[0] - 1) // CELL * CELL
    cols = (small.shape[1] - 1) // CELL * CELL
    cells = (cols // CELL, rows // CELL)
    across = cv2.absdiff(small[:rows, 1 : cols + 1], small[:rows, :cols])
    down = cv2.absdiff(small[1 : rows + 1, :cols], small[:rows, :cols])
    floor = _noise_floor(across)
    # The net change over a cell's row telescopes to its last pixel minus its
    # first: a few pixels per cell give it, without signed full-size arrays.
    grid = small[: rows + 1, : cols + 1].astype(np.int16)
    net_across = _cell_sums(grid[:rows, CELL::CELL] - grid[:rows, 0:-1:CELL], rows_per_cell=CELL)
    net_down = _cell_sums((grid[CELL::CELL, :cols] - grid[0:-1:CELL, :cols]).T, rows_per_cell=CELL).T
    return np.minimum(_oscillation(across, net_across, floor, cells), _oscillation(down, net_down, floor, cells))


def _cell_sums(values: np.ndarray, rows_per_cell: int) -> np.ndarray:
    """Sum each block of `rows_per_cell` rows: (rows, cells) -> (rows / rows_per_cell, cells)."""
    return values.reshape(values.shape[0] // rows_per_cell, rows_per_cell, values.shape[1]).sum(axis=1)


def _noise_floor(step_size: np.ndarray) -> int:
    """The step below which brightness changes are sensor noise, from the frame itself."""
    # Most neighbouring pixels differ by noise alone, so the median step
    # measures it (0.67 sigma for Gaussian noise); steps within three sigma
    # of it are noise. A clean frame keeps the fixed minimum.
    # Every fourth row is plenty for a median, at a quarter of the cost.
    histogram = cv2.calcHist([step_size[::4]], [0], None, [256], [0, 256]).ravel().cumsum()
    median = int(np.searchsorted(histogram, histogram[-1] / 2))
    return max(NOISE_FLOOR, int(median * 4.5))


def _oscillation(size: np.ndarray, net: np.ndarray, floor: int, cells: tuple[int, int]) -> np.ndarray:
    """Per cell, mean step size minus mean net step: high for stripes, zero for one edge."""
    # A single slanted edge (a sleeve, a table) changes brightness along rows
    # and columns alike; only many edges of both signs make a code.
    total = cv2.resize(cv2.subtract(size, floor), cells, interpolation=cv2.INTER_AREA)
    return total.astype(np.float32) - np.abs(net.astype(np.float32)) / (CELL * CELL)


def _plausible(stats: np.ndarray) -> np.ndarray:
    """Which blobs (rows of x, y, w, h, area in cells) may be codes: at least 3x3 cells,
    not a thin line of text, and filling much of their box."""
    w, h, area = stats[:, 2], stats[:, 3], stats[:, 4]
    return (np.minimum(w, h) >= 3) & (np.maximum(w, h) <= 3 * np.minimum(w, h)) & (area >= 0.35 * w * h)
