"""The live-frame reader: one report per code coming into view, a budget per frame."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from scanner import FrameReader
from scanner.synthetic import Look, gate_frame, ticket_code, webcam_look


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def frames() -> dict[str, np.ndarray | str]:
    rng = np.random.default_rng(11)
    first, second = ticket_code(rng), ticket_code(rng)
    return {
        "first": first,
        "second": second,
        "with first": gate_frame(rng, first, webcam_look(rng)),
        "with first, moved": gate_frame(rng, first, webcam_look(rng)),
        "with second": gate_frame(rng, second, webcam_look(rng)),
        "empty": gate_frame(rng, None, Look(blur=0.9, noise=3.0, jpeg=80)),
    }


def make_reader(clock: Callable[[], float]) -> FrameReader:
    # A generous budget: these tests are about what is reported, not speed.
    return FrameReader(budget_ms=5000.0, forget_after=2.0, clock=clock)


def test_a_code_in_view_is_reported_once(frames: dict) -> None:
    clock = FakeClock()
    reader = make_reader(clock)
    reports = []
    for frame in ["with first", "with first, moved", "with first", "empty", "with first"]:
        reports.append(reader.read(frames[frame]))
        clock.now += 0.1
    assert reports == [[frames["first"]], [], [], [], []]


def test_a_code_is_reported_again_after_leaving_view(frames: dict) -> None:
    clock = FakeClock()
    reader = make_reader(clock)
    assert reader.read(frames["with first"]) == [frames["first"]]
    clock.now += 1.0
    assert reader.read(frames["empty"]) == []
    clock.now += 2.5
    assert reader.read(frames["with first"]) == [frames["first"]]


def test_a_code_held_up_for_long_is_not_repeated(frames: dict) -> None:
    clock = FakeClock()
    reader = make_reader(clock)
    seen = []
    for _ in range(8):
        seen += reader.read(frames["with first"])
        clock.now += 0.9
    assert seen == [frames["first"]]


def test_different_codes_are_each_reported(frames: dict) -> None:
    clock = FakeClock()
    reader = make_reader(clock)
    assert reader.read(frames["with first"]) == [frames["first"]]
    assert reader.read(frames["with second"]) == [frames["second"]]
    assert reader.in_view() == [frames["second"]]
    reader.reset()
    assert reader.read(frames["with second"]) == [frames["second"]]


def test_empty_frames_and_counting(frames: dict) -> None:
    reader = make_reader(FakeClock())
    for _ in range(6):
        assert reader.read(frames["empty"]) == []
    assert reader.frames == 6
    assert reader.in_view() == []


def test_greyscale_frames_are_fine(frames: dict) -> None:
    import cv2

    reader = make_reader(FakeClock())
    grey = cv2.cvtColor(frames["with first"], cv2.COLOR_BGR2GRAY)
    assert reader.read(grey) == [frames["first"]]


@pytest.mark.parametrize("settings", [{"budget_ms": 0}, {"thorough_every": 0}, {"forget_after": -1}])
def test_bad_settings(settings: dict) -> None:
    with pytest.raises(ValueError):
        FrameReader(**settings)


def test_bad_frames_raise_clear_errors() -> None:
    reader = FrameReader()
    with pytest.raises(TypeError):
        reader.read(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        reader.read(np.zeros((0, 0), np.uint8))
