"""Reading codes from a live camera, frame after frame.

A camera delivers 15 to 30 frames a second and a ticket stays in view for
many of them, so the reader keeps a little state between frames:

- every frame gets the cheap pass: candidate regions, and decoder time only
  for those showing finder patterns; every `thorough_every`-th frame that found
  nothing also gets a whole-frame pass, a safety net for codes the region
  finder missed;
- each frame has a time budget, so a cluttered scene cannot stall the loop;
  camera frames get no plain full-size pass (about 20 ms for zbar on 720p,
  more than the budget), so a live frame may miss a code the plain decoder
  would read in it; the next frames give it another chance. With `still`
  (a folder of photos) every frame is a still image and gets the full-size
  pass first, whatever the budget, as `scanner.decode` does;
- a code is reported once when it comes into view, and again only after it
  has been out of view for `forget_after` seconds;
- when frames have shown a code (its finder patterns) without reading it for
  `hint_after` seconds, `hint` says what would help: "hold still", "move
  closer", "tilt the phone: glare" or "hold the code flat, facing the
  camera" (see `scanner.pipeline.Sighting`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from scanner.backends import Decoder, resolve_decoder
from scanner.image import as_gray
from scanner.pipeline import Scan, scan

__all__ = ["FrameReader"]


class FrameReader:
    """Stateful reader for a stream of frames; `read(frame)` returns codes new in view."""

    def __init__(
        self,
        decoder: str | Decoder | None = None,
        budget_ms: float = 25.0,
        thorough_every: int = 5,
        forget_after: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        still: bool = False,
        hint_after: float = 1.0,
    ) -> None:
        if budget_ms <= 0 or thorough_every < 1 or forget_after < 0:
            raise ValueError("budget_ms must be > 0, thorough_every >= 1 and forget_after >= 0")
        self.decoder = resolve_decoder(decoder)
        self.budget_ms = budget_ms
        self.thorough_every = thorough_every
        self.forget_after = forget_after
        self._clock = clock
        self.still = still
        self.hint_after = hint_after
        # A hint for the person holding a code seen but not read for `hint_after` seconds, else None.
        self.hint: str | None = None
        self._unread_since: float | None = None
        self._last_seen: dict[str, float] = {}
        self.frames = 0
        self.last_scan = Scan()

    def read(self, frame: np.ndarray) -> list[str]:
        """Decode one frame; return the codes that just came into view, closest first."""
        gray = as_gray(frame)
        deadline = time.perf_counter() + self.budget_ms / 1000.0
        thorough = self.frames % self.thorough_every == self.thorough_every - 1
        self.frames += 1
        self.last_scan = scan(gray, self.decoder, deadline, thorough=thorough, full_size=self.still)
        self._update_hint()
        return self._fresh(self.last_scan.texts())

    def _update_hint(self) -> None:
        """A hint only once a code has been seen, and not read, for `hint_after` seconds on end."""
        hint = self.last_scan.hint()
        if hint is None:
            self._unread_since, self.hint = None, None
            return
        now = self._clock()
        if self._unread_since is None:
            self._unread_since = now
        self.hint = hint if now - self._unread_since >= self.hint_after else None

    def in_view(self) -> list[str]:
        """Codes read in the last frame, new or not."""
        return self.last_scan.texts()

    def reset(self) -> None:
        """Forget every code seen, so the next sighting of any code is reported again."""
        self._last_seen.clear()

    def _fresh(self, texts: list[str]) -> list[str]:
        now = self._clock()
        fresh = [t for t in texts if now - self._last_seen.get(t, -np.inf) > self.forget_after]
        for text in texts:
            self._last_seen[text] = now
        # Drop codes long out of view so a day of scanning does not grow the map.
        stale = [t for t, seen in self._last_seen.items() if now - seen > self.forget_after]
        for text in stale:
            del self._last_seen[text]
        return fresh
