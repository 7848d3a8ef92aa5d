"""The decoding pipeline: a cheap look at the whole frame, hard work only where a code may be.

Most frames at a gate show no code, and a zbar pass over a whole 720p frame
costs more than the frame interval, so the pipeline never starts there:

0. for a still image (`full_size`), the decoder alone on the whole image at
   full resolution, exactly as it would read it by itself, never cut short
   by the deadline: whatever else the pipeline does, it never reads less
   than the plain decoder (a live camera loop skips this: see below);
1. a whole-frame pass only if the decoder is fast enough for it (zxing-cpp,
   or zbar on a small image), shrunk to what it affords;
2. candidate regions (see `scanner.regions`), busiest first;
3. a glance at each for finder patterns (see `scanner.ladder`): regions
   without any cost no decoder time at all;
4. the others, those framed by three finders first, get a ladder of attempts
   on the code's window alone, and the first success ends a ladder; once a
   code is read, regions it explains, or far less busy ones, are skipped;
5. a deadline checked between steps, so one frame never blows the budget;
   each code read buys the rest of the frame another budget's worth of
   time, so a group's tickets held up together are read in the same frame;
6. on request (`thorough`), a last whole-frame pass when all else failed.

A live camera loop (`scanner.reader.FrameReader`) keeps to its per-frame
budget instead of step 0: a plain zbar pass over a 720p frame costs about
20 ms, more than the budget, and the next frame comes a few dozen
milliseconds later anyway. Everything handed over as one image to decode
(`scanner.decode`, uploads, a folder of photos) is a still image.

Rung, threshold and order choices here are tuned on the tuning half of
`bench/decode.py` only; its held-out half says whether they generalise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from scanner.backends import Decoder, Symbol
from scanner.ladder import Evidence, attempts, examine
from scanner.regions import Region, find_regions

__all__ = ["Found", "Scan", "Sighting", "scan"]

Box = tuple[float, float, float, float]
# The margin around a region that brings back the code's quiet zone.
MARGIN = 0.1
# After a read, regions less busy than this share of the read one are skipped.
FOLLOWING_SHARE = 0.3
# Only the busiest regions earn a second, full-size look for finder patterns.
RETRY_REGIONS = 2


@dataclass(frozen=True)
class Found:
    """A decoded code and its bounding box (x0, y0, x1, y1) in the frame."""

    text: str
    box: Box

    @property
    def area(self) -> float:
        """Area of the bounding box, a proxy for how close the code is to the camera."""
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


@dataclass(frozen=True)
class Sighting:
    """A code seen (its finder patterns) but not read, and what may have kept it from being read."""

    module: float  # pixels per module
    blur: float  # estimated blur (Gaussian sigma), pixels
    glare: float  # share of the code's pixels washed out to white

    def hint(self) -> str:
        """What the person holding the code should do, from the likeliest cause."""
        if self.glare >= GLARE_SHARE:
            return "tilt the phone: glare"
        # A small code looks blurred too; closer, its modules outgrow the blur.
        if self.module < SMALL_MODULE_PX:
            return "move closer"
        if self.blur >= BLURRED_SHARE * self.module:
            return "hold still"
        # Sharp, big enough, no glare: a bent or steeply tilted code is the likeliest cause left.
        return "hold the code flat, facing the camera"


# A code with this share of its pixels saturated is washed out by a reflection.
GLARE_SHARE = 0.03
# Modules smaller than this (pixels) are too small for either decoder to read reliably.
SMALL_MODULE_PX = 2.5
# Blur (sigma) beyond this share of a module merges neighbouring modules.
BLURRED_SHARE = 0.5


@dataclass
class Scan:
    """What one pass over a frame found, and which candidate regions came up empty."""

    found: list[Found] = field(default_factory=list)
    # Regions examined or tried without reading a code.
    empty: list[Region] = field(default_factory=list)
    # Regions that showed finder patterns, read or not: a code is probably there.
    likely: list[Region] = field(default_factory=list)
    # Score of the busiest region a code was read from.
    best_score: float = 0.0
    # Codes seen but not read, in the order they were tried (three finders first).
    sightings: list[Sighting] = field(default_factory=list)

    def hint(self) -> str | None:
        """A hint for the person holding a code that was seen but not read; None if nothing was seen
        or something was read."""
        if self.found or not self.sightings:
            return None
        return self.sightings[0].hint()

    def texts(self) -> list[str]:
        """Distinct texts, the largest (closest) code first."""
        ordered = sorted(self.found, key=lambda f: f.area, reverse=True)
        return list(dict.fromkeys(f.text for f in ordered))


def scan(gray: np.ndarray, decoder: Decoder, deadline: float, thorough: bool = False,
         full_size: bool = False) -> Scan:
    """Find the QR codes of a greyscale frame before `deadline` (a `time.perf_counter()` value).

    `full_size` (a still image) first reads the whole image at full
    resolution, whatever the deadline says, so nothing the decoder reads on
    its own is ever missed. `thorough` adds, when the regions gave nothing, a
    last whole-frame pass at the largest size the decoder affords: a safety
    net worth a few frames a second in a live loop, not every frame.
    """
    result = Scan()
    budget = max(deadline - time.perf_counter(), 0.0)
    if full_size:
        result.found.extend(_found(sym, 1.0, 0, (0, 0)) for sym in decoder.read(gray))
    result.found.extend(_whole_frame(gray, decoder, decoder.full_frame_pixels, full_size))
    partial: list[_Candidate] = []
    for index, region in enumerate(find_regions(gray)):
        if time.perf_counter() >= deadline:
            break
        if _settled(region, result) or any(region.overlaps(f.box) for f in result.found):
            continue
        candidate = _examine(gray, region, retry=index < RETRY_REGIONS)
        if not candidate.evidence.likely:
            # Text, patterns and edges: no finder patterns, nothing a decoder could read.
            result.empty.append(region)
        elif candidate.evidence.finders == 3:
            # Three finders framing a window: most likely a whole code, read it now.
            if _try(candidate, decoder, deadline, result):
                deadline = max(deadline, time.perf_counter() + budget)
        else:
            partial.append(candidate)
    # One or two finders may be the edge of a code another region held whole.
    for candidate in partial:
        if time.perf_counter() < deadline and not _settled(candidate.region, result):
            if not _explained(candidate, result.found) and _try(candidate, decoder, deadline, result):
                deadline = max(deadline, time.perf_counter() + budget)
    if thorough and not result.found and time.perf_counter() < deadline:
        result.found.extend(_whole_frame(gray, decoder, decoder.thorough_pixels, full_size))
    return result


@dataclass(frozen=True)
class _Candidate:
    """A region, its crop (with margin) and what examining it found."""

    region: Region
    origin: tuple[int, int]
    crop: np.ndarray
    evidence: Evidence


def _examine(gray: np.ndarray, region: Region, retry: bool) -> _Candidate:
    # The region hugs the busy cells; the margin brings back the quiet zone.
    box = region.grown(MARGIN, (gray.shape[1], gray.shape[0]))
    crop = gray[box.y : box.y + box.h, box.x : box.x + box.w]
    core = gray[region.y : region.y + region.h, region.x : region.x + region.w]
    return _Candidate(region, (box.x, box.y), crop, examine(crop, core, retry=retry))


def _settled(region: Region, result: Scan) -> bool:
    """Once a code is read, only regions about as busy as its own may hold another."""
    return region.score < FOLLOWING_SHARE * result.best_score


def _try(candidate: _Candidate, decoder: Decoder, deadline: float, result: Scan) -> bool:
    """Climb the candidate's ladder; whether it read a code."""
    result.likely.append(candidate.region)
    found = _read(candidate, decoder, deadline)
    if found:
        result.found.extend(found)
        result.best_score = max(result.best_score, candidate.region.score)
    else:
        result.empty.append(candidate.region)
        result.sightings.append(_sighting(candidate))
    return bool(found)


def _sighting(candidate: _Candidate) -> Sighting:
    """Measure what a code that could not be read looks like: module size, blur and glare."""
    x0, y0, x1, y1 = candidate.evidence.window
    code = candidate.crop[y0:y1, x0:x1]
    low, high = np.percentile(code, (5, 95))
    # The steepest edges of a code: a step of height C blurred by sigma rises at most
    # C / (sigma * sqrt(2 pi)) a pixel, and Sobel's response is 8 times the slope.
    steepest = np.percentile(np.abs(cv2.Sobel(code, cv2.CV_32F, 1, 0)), 99)
    blur = 8.0 * max(high - low, 1.0) / (np.sqrt(2 * np.pi) * max(steepest, 1e-6))
    glare = float(np.count_nonzero(code >= 250)) / max(code.size, 1)
    return Sighting(candidate.evidence.module, float(blur), glare)


def _explained(candidate: _Candidate, found: list[Found]) -> bool:
    """Whether a code already read accounts for this candidate's finder patterns."""
    x0, y0, x1, y1 = candidate.evidence.window
    window = Region(candidate.origin[0] + x0, candidate.origin[1] + y0, x1 - x0, y1 - y0, 0.0)
    if candidate.evidence.finders > 3:
        # The finders of several codes (a sheet of tickets): explained only once that many are read inside.
        inside = sum(_box_in(f.box, window) for f in found)
        return inside >= candidate.evidence.finders // 3
    if candidate.evidence.finders == 3:
        return any(window.overlaps(f.box) for f in found)
    return any(window.touches(f.box) for f in found)


def _box_in(box: Box, window: Region) -> bool:
    """Whether the middle of `box` lies inside `window`."""
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return window.x <= x <= window.x + window.w and window.y <= y <= window.y + window.h


def _whole_frame(gray: np.ndarray, decoder: Decoder, pixels: int, full_size_done: bool) -> list[Found]:
    """Read the whole frame, shrunk to at most `pixels` pixels; nothing if that is under half size,
    or if it is the full size and `full_size_done` says that was read already."""
    scale = min(1.0, (pixels / gray.size) ** 0.5)
    # Below half size the thumbnail loses the small codes it was meant to find
    # and costs as much as the regions would; leave big frames to the regions.
    if scale < 0.5 or (scale == 1.0 and full_size_done):
        return []
    image = gray
    if scale < 1.0:
        size = (max(int(gray.shape[1] * scale), 1), max(int(gray.shape[0] * scale), 1))
        image = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return [_found(sym, scale, 0, (0, 0)) for sym in decoder.read(image)]


def _read(candidate: _Candidate, decoder: Decoder, deadline: float) -> list[Found]:
    """Climb a candidate's ladder until it has read a code (or, where the crop shows the finders of
    several codes, as many codes as they stand for) or time runs out."""
    wanted = max(1, candidate.evidence.finders // 3)
    found: dict[str, Found] = {}
    for attempt in attempts(candidate.crop, candidate.evidence):
        origin = (candidate.origin[0] + attempt.origin[0], candidate.origin[1] + attempt.origin[1])
        for sym in decoder.read(attempt.image):
            found.setdefault(sym.text, _found(sym, attempt.scale, attempt.pad, origin))
        if len(found) >= wanted or time.perf_counter() >= deadline:
            break
    return list(found.values())


def _found(sym: Symbol, scale: float, pad: int, origin: tuple[int, int]) -> Found:
    """Map a symbol's corners from the attempt image back to frame coordinates."""
    xs = [(x - pad) / scale + origin[0] for x, _ in sym.points] or [float(origin[0])]
    ys = [(y - pad) / scale + origin[1] for _, y in sym.points] or [float(origin[1])]
    return Found(sym.text, (min(xs), min(ys), max(xs), max(ys)))
