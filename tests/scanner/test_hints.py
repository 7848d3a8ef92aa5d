"""Hints for the person holding a code the pipeline saw (finder patterns) but could not read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import scanner
from helpers import glared, on_a_wall, ticket
from scanner.synthetic import Look, gate_frame, ticket_code

BUDGET_MS = 5000.0
GLARE = "tilt the phone: glare"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def blurred() -> np.ndarray:
    return cv2.GaussianBlur(on_a_wall(ticket(5)), (0, 0), 3.0)


def far_away() -> np.ndarray:
    """Modules of 1.7 pixels, softened and noisy as a webcam makes them."""
    frame = cv2.GaussianBlur(on_a_wall(cv2.resize(ticket(4), None, fx=1.7 / 4, fy=1.7 / 4,
                                                  interpolation=cv2.INTER_AREA)), (0, 0), 0.9)
    noise = np.random.default_rng(2).normal(0, 6, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def bent() -> np.ndarray:
    """A sharp ticket wrapped round a wristband: big modules, no glare, too bent to read."""
    rng = np.random.default_rng(70)
    return gate_frame(rng, ticket_code(rng), Look(module_px=6.0, curve=70.0))


@pytest.mark.parametrize("backend", ["zbar", "zxing"])
@pytest.mark.parametrize("image, hint", [(glared, GLARE), (blurred, "hold still"), (far_away, "move closer"),
                                         (bent, "hold the code flat, facing the camera")],
                         ids=["glare", "blur", "small", "bent"])
def test_a_code_seen_but_not_read_comes_with_a_hint(image, hint: str, backend: str) -> None:
    if backend == "zxing":
        pytest.importorskip("zxingcpp")
    reading = scanner.read(image(), decoder=backend, budget_ms=BUDGET_MS)
    assert reading.texts == [] and reading.hint == hint


def test_no_hint_when_a_code_is_read_or_none_is_seen() -> None:
    assert scanner.read(on_a_wall(ticket(4)), budget_ms=BUDGET_MS).hint is None
    assert scanner.read(np.full((720, 1280), 128, np.uint8), budget_ms=BUDGET_MS) == scanner.Reading([], None)


def test_the_live_reader_hints_after_about_a_second_of_unread_frames() -> None:
    clock = FakeClock()
    reader = scanner.FrameReader(budget_ms=BUDGET_MS, clock=clock)
    frame = glared()
    seen = []
    for _ in range(6):
        reader.read(frame)
        seen.append(reader.hint)
        clock.now += 0.25
    # Frames at 0, 0.25, ... 1.25 s: the first four are too soon to bother anyone.
    assert seen == [None] * 4 + [GLARE] * 2
    reader.read(on_a_wall(ticket(4)))  # read at last: the hint goes
    assert reader.hint is None
    reader.read(frame)
    assert reader.hint is None  # and a new second starts
