"""Where frames come from: a camera, a video file, or a folder of images."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

__all__ = ["IMAGE_SUFFIXES", "camera_frames", "image_frames", "video_frames"]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
# A gate camera at 720p: enough for 3-pixel modules at arm's length, cheap to decode.
CAMERA_SIZE = (1280, 720)
# Consecutive failed reads before a camera counts as gone.
CAMERA_GIVE_UP = 50


def camera_frames(index: int) -> Iterator[np.ndarray]:
    """Frames from camera `index` until it stops delivering; OSError if it cannot be opened."""
    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        raise OSError(f"cannot open camera {index}")
    capture.set(cv2.CAP_PROP_FRAME_WIDTH, CAMERA_SIZE[0])
    capture.set(cv2.CAP_PROP_FRAME_HEIGHT, CAMERA_SIZE[1])
    # Keep only the newest frame: a queue of old ones would show the ticket
    # held up a second ago while the next person already stands there.
    capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
    failures = 0
    try:
        while failures < CAMERA_GIVE_UP:
            ok, frame = capture.read()
            if ok and frame is not None:
                failures = 0
                yield frame
            else:
                # A USB camera drops a frame now and then; only a run of failures means it is gone.
                failures += 1
                time.sleep(0.02)
    finally:
        capture.release()


def video_frames(path: str | Path) -> Iterator[np.ndarray]:
    """Every frame of a video file; OSError if it cannot be opened."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise OSError(f"cannot open video {path}")
    try:
        while True:
            ok, frame = capture.read()
            if not ok or frame is None:
                return
            yield frame
    finally:
        capture.release()


def image_frames(folder: str | Path) -> Iterator[np.ndarray]:
    """Each image in a folder, in name order; unreadable files are reported and skipped."""
    root = Path(folder)
    if not root.is_dir():
        raise OSError(f"not a folder: {folder}")
    for path in sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            print(f"skipping {path.name}: not a readable image", file=sys.stderr)
            continue
        yield frame
