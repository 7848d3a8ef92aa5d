"""Tablet frames: the server decodes the image and judges the code in it."""
import io
import time
from pathlib import Path

import cv2
import numpy as np
import segno
from PIL import Image

from checkin import frames
from helpers import Api


def png_of(text: str, scale: int = 6) -> bytes:
    qr = segno.make(text, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def camera_frame(text: str) -> bytes:
    """A 1280x720 JPEG with the code small in one corner, as a webcam sees a phone."""
    code = cv2.imdecode(np.frombuffer(png_of(text, scale=4), np.uint8), cv2.IMREAD_GRAYSCALE)
    frame = np.full((720, 1280), 200, np.uint8)
    frame[100:100 + code.shape[0], 700:700 + code.shape[1]] = code
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def post_frame(api, image: bytes, **fields):
    return api.client.post("/api/v1/events/ev/scans/frame", headers=api.headers,
                           data={"image": (io.BytesIO(image), "frame.jpg"), "gate": "north", **fields},
                           content_type="multipart/form-data")


def test_frame_with_a_ticket_is_judged(client, token, make_event, issue):
    make_event()
    gate = Api(client, token("gate", "ev"))
    code = issue()[0]["code"]
    first = post_frame(gate, camera_frame(code), device="tab-1")
    assert first.status_code == 200 and first.json["status"] == "ok"
    again = post_frame(gate, png_of(code), device="tab-2")
    assert again.json["reason"] == "duplicate"


def test_frame_without_a_code_says_so_and_stores_nothing(client, token, admin, make_event):
    make_event()
    gate = Api(client, token("gate", "ev"))
    blank = cv2.imencode(".png", np.full((480, 640), 128, np.uint8))[1].tobytes()
    r = post_frame(gate, blank)
    assert r.status_code == 200 and r.json == {"status": "no_code"}
    assert admin.get("/api/v1/events/ev/counts").json["gates"]["north"]["refused"] == {}


def test_frame_with_a_code_too_washed_out_to_read_answers_a_hint(client, token, admin, make_event):
    make_event()
    gate = Api(client, token("gate", "ev"))
    code = cv2.imdecode(np.frombuffer(png_of("A TICKET BEHIND A REFLECTION", scale=8), np.uint8),
                        cv2.IMREAD_GRAYSCALE)
    frame = np.full((720, 1280), 128.0, np.float32)
    y, x = (720 - code.shape[0]) // 2, (1280 - code.shape[1]) // 2
    frame[y:y + code.shape[0], x:x + code.shape[1]] = code
    ys, xs = np.mgrid[0:720, 0:1280]
    frame += 300 * np.exp(-((xs - 640) ** 2 + (ys - 360) ** 2) / (2 * 70 ** 2))  # a reflection over the middle
    image = cv2.imencode(".png", np.clip(frame, 0, 255).astype(np.uint8))[1].tobytes()
    r = post_frame(gate, image)
    assert r.status_code == 200 and r.json == {"status": "no_code", "hint": "tilt the phone: glare"}
    assert admin.get("/api/v1/events/ev/counts").json["gates"]["north"]["refused"] == {}


def test_frame_that_is_not_an_image_is_refused(client, token, make_event):
    make_event()
    gate = Api(client, token("gate", "ev"))
    r = post_frame(gate, b"\x00\x01 definitely not an image")
    assert r.status_code == 422 and "image" in r.json["errors"]
    r = gate.client.post("/api/v1/events/ev/scans/frame", headers=gate.headers,
                         data={"gate": "north"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "image" in r.json["errors"]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_tiff_bomb_is_refused_quickly_without_memory(client, token, make_event):
    make_event()
    gate = Api(client, token("gate", "ev"))
    out = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(out, format="TIFF", compression="group4")  # 400 megapixels
    bomb = out.getvalue()
    assert len(bomb) < 64 * 1024
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    before = peak_rss_mb()
    began = time.monotonic()
    r = post_frame(gate, bomb)
    assert time.monotonic() - began < 0.5
    assert r.status_code == 422 and "image" in r.json["errors"]
    assert peak_rss_mb() - before < 50


def test_frames_over_the_pixel_bound_are_refused(app, client, token, make_event, issue):
    make_event()
    gate = Api(client, token("gate", "ev"))
    code = issue()[0]["code"]
    app.config["FRAME_MAX_PIXELS"] = 640 * 480
    r = post_frame(gate, camera_frame(code))  # 1280x720
    assert r.status_code == 422 and "too large" in r.json["errors"]["image"][0]
    app.config["FRAME_MAX_PIXELS"] = 1280 * 720
    assert post_frame(gate, camera_frame(code)).json["status"] == "ok"


def test_gates_and_pairing_share_a_few_decoding_slots(app, client, token, make_event, issue):
    make_event()
    gate = Api(client, token("gate", "ev"))
    code = issue()[0]["code"]
    app.config["FRAME_WAIT_SECONDS"] = 0.3
    with app.app_context():
        slots = frames.decoding_slots()
    taken = 0
    while slots.acquire(blocking=False):  # every slot busy, as with that many frames decoding
        taken += 1
    assert taken == app.config["FRAME_DECODES"]
    try:
        began = time.monotonic()
        r = post_frame(gate, camera_frame(code))
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"
        assert 0.25 < time.monotonic() - began < 2
        paired = client.post("/api/v1/pair/frame", data={"image": (io.BytesIO(png_of("x")), "f.png")},
                             content_type="multipart/form-data")
        assert paired.status_code == 503  # the unauthenticated decoder waits for no turn at all
    finally:
        for _ in range(taken):
            slots.release()
    assert post_frame(gate, camera_frame(code)).json["status"] == "ok"
