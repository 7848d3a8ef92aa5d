"""Camera frames the service decodes (/scans/frame and /pair/frame): a few at a time, each bounded.

Decoding is the one heavy thing a request can ask for, so a process decodes at
most FRAME_DECODES frames at once, whichever endpoint sent them; a frame waits
for its turn at most as long as its caller allows, then is refused as busy.
Only PNG, JPEG, WebP and BMP are taken, and only up to FRAME_MAX_PIXELS as their
header announces, checked before a pixel is decoded (scanner/image.py): a small
file cannot make the process allocate gigabytes. No transaction or database
connection is held while a frame decodes.
"""
import threading

from flask import current_app

from scanner.decoding import Reading, read_bytes  # loaded with the app, not on the first frame

from .errors import Busy, Invalid
from .extensions import db


def decoding_slots() -> threading.BoundedSemaphore:
    """This app's decoding slots (two apps in one process, as in tests, count apart)."""
    slots = current_app.extensions.get("frame_slots")
    if slots is None:
        slots = current_app.extensions.setdefault(
            "frame_slots", threading.BoundedSemaphore(int(current_app.config["FRAME_DECODES"])))
    return slots


def decode_frame(image: bytes, wait: float) -> Reading:
    """The QR texts in an uploaded frame, and a hint if a code showed but did not decode; Invalid
    naming `image` if it is no acceptable image, Busy if no decoding slot frees up within `wait` seconds."""
    db.session.rollback()  # nothing stays open while the frame decodes
    slots = decoding_slots()
    if not slots.acquire(timeout=wait):
        raise Busy("Too many camera frames are being read right now; send the next one in a moment.")
    try:
        return read_bytes(image, max_pixels=int(current_app.config["FRAME_MAX_PIXELS"]))
    except ValueError as error:
        raise Invalid(f"image: {error}", {"image": [str(error)]}) from None
    finally:
        slots.release()
