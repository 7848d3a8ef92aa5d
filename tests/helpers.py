"""Helpers the tests import: an API client with a token, times, and threads started together."""
import threading
from datetime import datetime, timedelta, timezone

NOW = datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def scanned_now() -> str:
    """A scan time as a device sends it now: the server refuses one from before the event existed (NOW may be)."""
    return iso(datetime.now(timezone.utc))


class Api:
    """The test client with a bearer token and JSON helpers."""

    def __init__(self, client, bearer: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {bearer}"}

    def get(self, path: str, **kw):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(path, json=json, headers=self.headers, **kw)

    def patch(self, path: str, json=None, **kw):
        return self.client.patch(path, json=json, headers=self.headers, **kw)

    def put(self, path: str, json=None, **kw):
        return self.client.put(path, json=json, headers=self.headers, **kw)

    def as_role(self, bearer: str) -> "Api":
        return Api(self.client, bearer)


def small_event(admin: Api, names=("Ada",), timezone: str = "UTC") -> list[dict]:
    """Event `ev` (Expo, on since an hour), type GA, gate north into hall; one GA ticket per name."""
    assert admin.post("/api/v1/events", {"slug": "ev", "name": "Expo", "timezone": timezone,
                                         "starts_at": iso(NOW - timedelta(hours=1)),
                                         "ends_at": iso(NOW + timedelta(days=1))}).status_code == 201
    assert admin.post("/api/v1/events/ev/ticket-types", {"code": "GA", "name": "General", "capacity": 50,
                                                         "badge_type": "General"}).status_code == 201
    assert admin.post("/api/v1/events/ev/gates", {"code": "north", "name": "North Gate", "zone": "hall",
                                                  "admits": ["GA"]}).status_code == 201
    rows = [{"type": "GA", "holder": {"name": name}} for name in names]
    return admin.post("/api/v1/events/ev/tickets", {"tickets": rows}).json["tickets"]


def run_together(n: int, work, timeout: float = 60) -> list:
    """Start n threads that call work(i) at the same instant; return their results."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def go(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


def code_frame(text: str | list[str], scale: int = 6, size: tuple[int, int] = (640, 480)):
    """A BGR picture (640x480 unless `size`) of a screen showing `text` as a QR code, or each of a list of
    texts as a QR code side by side (a group held up together)."""
    import cv2
    import numpy as np
    import segno

    def code_image(one: str):
        matrix = np.array([[0 if dark else 255 for dark in row] for row in segno.make(one, error="m").matrix],
                          np.uint8)
        return cv2.resize(np.pad(matrix, 4, constant_values=255), None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_NEAREST)

    width, height = size
    codes = [code_image(one) for one in ([text] if isinstance(text, str) else text)]
    per_row = max(1, min(len(codes), width // (codes[0].shape[1] + 8)))
    rows = [codes[i:i + per_row] for i in range(0, len(codes), per_row)]
    frame = np.full((height, width, 3), 90, np.uint8)
    y = (height - sum(r[0].shape[0] + 8 for r in rows) + 8) // 2
    for row in rows:
        x = (width - sum(c.shape[1] + 8 for c in row) + 8) // 2
        for code in row:
            frame[y:y + code.shape[0], x:x + code.shape[1]] = code[..., None]
            x += code.shape[1] + 8
        y += row[0].shape[0] + 8
    return frame


def write_y4m(path, text: str | list[str], scale: int = 6, frames: int = 30,
              size: tuple[int, int] = (640, 480)) -> None:
    """A short video of code_frame(text, scale, size), for Chromium's fake camera."""
    write_frame_y4m(path, code_frame(text, scale, size), frames)


def write_frame_y4m(path, picture, frames: int = 30) -> None:
    """A short video showing `picture` (BGR, or grey) still, for Chromium's fake camera."""
    import cv2

    if picture.ndim == 2:
        picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR)
    height, width = picture.shape[:2]
    yuv = cv2.cvtColor(picture, cv2.COLOR_BGR2YUV_I420).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + yuv)


def on_a_wall(code):
    """A 720p grey frame with `code` in the middle of a plain wall."""
    import numpy as np

    frame = np.full((720, 1280), 128, np.uint8)
    y, x = (720 - code.shape[0]) // 2, (1280 - code.shape[1]) // 2
    frame[y : y + code.shape[0], x : x + code.shape[1]] = code
    return frame


def ticket(px: float):
    """A printed ticket code, `px` pixels per module."""
    import cv2
    import numpy as np

    from scanner.synthetic import render_code, ticket_code

    modules = render_code(ticket_code(np.random.default_rng(1)))
    grey = np.where(modules > 0, 40, 215).astype(np.uint8)
    interpolation = cv2.INTER_NEAREST if px >= 1 else cv2.INTER_AREA
    return cv2.resize(grey, None, fx=px, fy=px, interpolation=interpolation)


def glared():
    """A reflection washing out the middle of the code (seen by the decoder, not read: a hint)."""
    import numpy as np

    frame = on_a_wall(ticket(5)).astype(np.float32)
    ys, xs = np.mgrid[0:720, 0:1280]
    frame += 300 * np.exp(-((xs - 640) ** 2 + (ys - 360) ** 2) / (2 * 60**2))
    return np.clip(frame, 0, 255).astype(np.uint8)
