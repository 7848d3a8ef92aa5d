"""The cheap stages: candidate regions and the glance at a crop before decoding."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from scanner.ladder import examine
from scanner.regions import find_regions
from scanner.synthetic import Look, gate_frame, ticket_code

MakeCode = Callable[..., np.ndarray]


def test_flat_and_smooth_frames_have_no_candidates() -> None:
    assert find_regions(np.full((720, 1280), 128, np.uint8)) == []
    ramp = np.tile(np.linspace(0, 255, 1280, dtype=np.float32), (720, 1)).astype(np.uint8)
    assert find_regions(ramp) == []


def test_a_single_slanted_edge_is_no_candidate() -> None:
    # A sleeve or a table edge changes brightness along rows and columns alike.
    image = np.full((720, 1280), 40, np.uint8)
    cv2.fillPoly(image, [np.array([[0, 0], [900, 0], [300, 719], [0, 719]])], 220)
    assert find_regions(image) == []


def test_the_code_is_the_first_candidate() -> None:
    rng = np.random.default_rng(5)
    for module_px in (3.0, 6.0, 12.0):
        frame = cv2.cvtColor(gate_frame(rng, ticket_code(rng), Look(module_px=module_px)), cv2.COLOR_BGR2GRAY)
        regions = find_regions(frame)
        assert regions, module_px
        side = 45 * module_px
        best = regions[0]
        assert 0.5 * side <= max(best.w, best.h) <= 2.0 * side, (module_px, best)


def test_examine_measures_modules_and_polarity(code_image: MakeCode) -> None:
    for dark in (False, True):
        for px in (3, 5, 8):
            image = code_image("POLARITY AND SIZE", px=px, dark=dark)
            evidence = examine(image, image)
            assert evidence.finders == 3
            assert evidence.inverted is dark
            assert abs(evidence.module - px) <= 1.0
            # The window holds the code and its quiet zone, nothing far beyond.
            x0, y0, x1, y1 = evidence.window
            assert x0 <= 4 * px and y0 <= 4 * px
            assert x1 >= image.shape[1] - 4 * px and y1 >= image.shape[0] - 4 * px


def test_examine_finds_no_finders_in_text() -> None:
    image = np.full((200, 400), 230, np.uint8)
    for row, word in enumerate(["ENTRANCE B", "Welcome 2025", "VIP Lounge"]):
        cv2.putText(image, word, (10, 50 + 60 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 20, 3)
    assert not examine(image, image).likely
