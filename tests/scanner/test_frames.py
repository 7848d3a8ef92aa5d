"""Decoding our own ticket codes in generated 1280x720 gate-camera frames."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

import scanner
from scanner.synthetic import CONDITIONS, Look, gate_frame, ticket_code, webcam_look

BUDGET_MS = 5000.0
Rng = Callable[[str], np.random.Generator]
MakeFrame = Callable[..., tuple[np.ndarray, str]]


def test_ticket_codes_are_117_base32_characters(seeded: Rng) -> None:
    code = ticket_code(seeded("code"))
    assert len(code) == 117
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_ten_of_ten_at_three_pixels_per_module(seeded: Rng, frame_with_code: MakeFrame) -> None:
    rng = seeded("3 px/module")
    for _ in range(10):
        frame, code = frame_with_code(rng, CONDITIONS["3 px/module"](rng))
        assert frame.shape == (720, 1280, 3)
        assert scanner.decode(frame, budget_ms=BUDGET_MS) == [code]


@pytest.mark.parametrize(
    "condition", ["blur", "noise", "perspective", "glare", "JPEG q40", "phone screen", "dark mode", "large, close"]
)
def test_camera_conditions(condition: str, seeded: Rng, frame_with_code: MakeFrame) -> None:
    rng = seeded(condition)
    for _ in range(4):
        frame, code = frame_with_code(rng, CONDITIONS[condition](rng))
        assert scanner.decode(frame, budget_ms=BUDGET_MS) == [code]


def test_dark_mode_code_alone(code_image: Callable[..., np.ndarray]) -> None:
    # Light modules on a dark screen, with the dark quiet zone around them.
    image = code_image("DARK MODE TICKET", px=5, dark=True)
    assert scanner.decode(image, budget_ms=BUDGET_MS) == ["DARK MODE TICKET"]


def test_dark_mode_in_grey_and_bgr(seeded: Rng, frame_with_code: MakeFrame) -> None:
    rng = seeded("dark grey")
    frame, code = frame_with_code(rng, webcam_look(rng, dark=True))
    assert scanner.decode(frame, budget_ms=BUDGET_MS) == [code]
    assert scanner.decode(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), budget_ms=BUDGET_MS) == [code]


def test_two_codes_in_one_frame_closest_first(seeded: Rng) -> None:
    rng = seeded("two codes")
    near, far = ticket_code(rng), ticket_code(rng)
    left = gate_frame(rng, near, webcam_look(rng, module_px=6.0), size=(640, 720))
    right = gate_frame(rng, far, webcam_look(rng, module_px=4.0), size=(640, 720))
    assert scanner.decode(np.hstack([left, right]), budget_ms=BUDGET_MS) == [near, far]


@pytest.mark.parametrize("seed", range(6))
def test_empty_gate_scene_reads_nothing(seed: int) -> None:
    frame = gate_frame(np.random.default_rng(seed), None, Look(blur=0.9, noise=3.0, jpeg=80))
    assert scanner.decode(frame, budget_ms=BUDGET_MS) == []


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((720, 1280), np.uint8),
        np.full((720, 1280, 3), 255, np.uint8),
        np.random.default_rng(1).integers(0, 256, (720, 1280), dtype=np.uint8),
        np.zeros((1, 1), np.uint8),
        np.zeros((3, 5000), np.uint8),
    ],
    ids=["black", "white", "noise", "one pixel", "thin strip"],
)
def test_blank_and_odd_images_read_nothing(image: np.ndarray) -> None:
    assert scanner.decode(image, budget_ms=BUDGET_MS) == []


def test_code_cut_by_the_frame_edge_is_read_when_whole(code_image: Callable[..., np.ndarray]) -> None:
    # The code fills the image with no quiet zone left: the pipeline pads one.
    image = code_image("EDGE TO EDGE", px=4)[16:-16, 16:-16]
    assert scanner.decode(image, budget_ms=BUDGET_MS) == ["EDGE TO EDGE"]


def test_zxing_backend_reads_the_same_frames(seeded: Rng, frame_with_code: MakeFrame) -> None:
    pytest.importorskip("zxingcpp")
    rng = seeded("zxing")
    for condition in ("3 px/module", "dark mode", "glare"):
        frame, code = frame_with_code(rng, CONDITIONS[condition](rng))
        assert scanner.decode(frame, decoder="zxing", budget_ms=BUDGET_MS) == [code]


def test_phone_photo_with_a_large_code(seeded: Rng) -> None:
    # An upload from a phone: a big image, the ticket filling much of it.
    rng = seeded("phone photo")
    for module_px in (18.0, 26.0):
        code = ticket_code(rng)
        photo = gate_frame(rng, code, webcam_look(rng, module_px=module_px, blur=1.5), size=(2000, 1500))
        ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 85])
        assert ok
        assert scanner.decode_bytes(jpeg.tobytes(), budget_ms=BUDGET_MS) == [code]
