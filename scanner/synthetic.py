"""Synthetic gate-camera frames showing ticket codes, for tests and benchmarks.

A frame is a cluttered 1280x720 BGR scene (signage, shapes, lighting
gradients) with an optional QR code placed on printed paper or on a phone
screen, then degraded the way webcams and tablets degrade it: blur, sensor
noise, perspective, glare, JPEG, screen brightness, dark mode, small modules,
a screen's refresh banding and moire, a cracked screen protector, curved
paper and wristbands, motion blur along one axis, low light; some conditions
come at other frame sizes (a 12 MP phone photo, a 320x240 camera).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import segno

__all__ = [
    "CONDITIONS",
    "Look",
    "frame_size",
    "gate_frame",
    "gate_scene",
    "random_look",
    "render_code",
    "render_sheet",
    "ticket_code",
    "webcam_look",
]

BASE32 = string.ascii_uppercase + "234567"
TICKET_CODE_LENGTH = 117
FRAME_SIZE = (1280, 720)
_SUPERSAMPLE = 2


@dataclass(frozen=True)
class Look:
    """How a code appears in a frame; the defaults are a clean printed code."""

    module_px: float = 4.0  # frame pixels per module
    angle: float = 0.0  # rotation, degrees
    tilt: float = 0.0  # perspective: one edge shortened by this fraction
    blur: float = 0.0  # Gaussian blur sigma, pixels (focus, motion)
    noise: float = 0.0  # sensor noise sigma, grey levels
    glare: float = 0.0  # peak brightness of a specular highlight, grey levels
    jpeg: int | None = None  # JPEG quality of the frame, None for none
    screen: float | None = None  # phone screen brightness 0..1, None for paper
    dark: bool = False  # light modules on dark (a phone's dark mode)
    banding: float = 0.0  # a screen's refresh bands across the frame: depth of the darkest band, 0..1
    cracks: int = 0  # cracks in a screen protector across the code
    curve: float = 0.0  # paper or a wristband bent round a vertical axis: half the arc, degrees
    motion: float = 0.0  # motion blur along one axis, pixels
    motion_angle: float = 0.0  # direction of that motion, degrees
    light: float = 1.0  # scene light; below 1 the camera's gain brings it up, and the noise with it


def ticket_code(rng: np.random.Generator) -> str:
    """Return a random ticket code: 117 characters of base32 (A-Z, 2-7)."""
    picks = rng.integers(0, len(BASE32), TICKET_CODE_LENGTH)
    return "".join(BASE32[i] for i in picks)


def render_code(text: str, *, error: str = "m") -> np.ndarray:
    """Return the module matrix of `text` with its quiet zone (1 = dark)."""
    # Ticket codes are base32, which only fits QR's alphanumeric mode in upper case.
    mode = "alphanumeric" if _is_alphanumeric(text) else None
    qr = segno.make(text, mode=mode, error=error, micro=False)
    return np.array(list(qr.matrix_iter(scale=1, border=4)), dtype=np.uint8)


def render_sheet(texts: list[str], gap: int = 2) -> np.ndarray:
    """The module matrix of a printed sheet of codes in a grid (1 = dark), padded to a square.

    `gap` light modules part neighbouring codes, beyond their own quiet zones.
    """
    codes = [render_code(text) for text in texts]
    side = max(code.shape[0] for code in codes) + gap
    columns = int(np.ceil(np.sqrt(len(codes))))
    rows = int(np.ceil(len(codes) / columns))
    sheet = np.zeros((max(rows, columns) * side, max(rows, columns) * side), np.uint8)
    for index, code in enumerate(codes):
        row, column = divmod(index, columns)
        sheet[row * side : row * side + code.shape[0], column * side : column * side + code.shape[1]] = code
    return sheet


def _is_alphanumeric(text: str) -> bool:
    return all(ch in string.digits + string.ascii_uppercase + " $%*+-./:" for ch in text)


def gate_scene(rng: np.random.Generator, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """Return a cluttered BGR background: lighting gradient, shapes and signage text."""
    width, height = size
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    left, right = rng.uniform(40, 220, 3), rng.uniform(40, 220, 3)
    scene = np.broadcast_to(left + (right - left) * ramp, (height, width, 3)).astype(np.uint8)
    scene = np.ascontiguousarray(scene)
    for _ in range(int(rng.integers(4, 9))):
        _draw_shape(scene, rng)
    for _ in range(int(rng.integers(0, 3))):
        _draw_texture(scene, rng)
    for _ in range(int(rng.integers(2, 5))):
        _draw_sign(scene, rng)
    return cv2.GaussianBlur(scene, (0, 0), 0.8)


def _draw_shape(scene: np.ndarray, rng: np.random.Generator) -> None:
    height, width = scene.shape[:2]
    colour = tuple(int(c) for c in rng.integers(0, 256, 3))
    x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
    w, h = int(rng.integers(40, 400)), int(rng.integers(40, 300))
    if rng.random() < 0.5:
        cv2.rectangle(scene, (x, y), (x + w, y + h), colour, -1)
    else:
        cv2.ellipse(scene, (x, y), (w // 2, h // 2), float(rng.uniform(0, 180)), 0, 360, colour, -1)


def _draw_texture(scene: np.ndarray, rng: np.random.Generator) -> None:
    """A patterned patch (a checked shirt, a carpet, a striped bag): busy, but no code."""
    height, width = scene.shape[:2]
    w, h = int(rng.integers(60, min(300, width - 1))), int(rng.integers(60, min(300, height - 1)))
    x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
    ys, xs = np.mgrid[0:h, 0:w]
    period = float(rng.uniform(5, 24))
    kind = rng.integers(0, 3)
    if kind == 0:
        pattern = ((xs // period).astype(int) + (ys // period).astype(int)) % 2 * 1.0
    elif kind == 1:
        pattern = (np.sin((xs + ys * rng.uniform(-1, 1)) * 2 * np.pi / period) > 0) * 1.0
    else:
        pattern = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), period / 6) * 3.0
    low, high = rng.uniform(0, 120, 3), rng.uniform(120, 255, 3)
    patch = low + (high - low) * np.clip(pattern, 0, 1)[..., None]
    scene[y : y + h, x : x + w] = patch.astype(np.uint8)


def _draw_sign(scene: np.ndarray, rng: np.random.Generator) -> None:
    height, width = scene.shape[:2]
    words = ["ENTRANCE", "Hall B", "VIP Lounge", "Gate 3", "Exit", "Badges", "Welcome 2025", "Box office"]
    text = str(rng.choice(words))
    scale = float(rng.uniform(0.6, 2.0))
    x, y = int(rng.integers(0, width - 200)), int(rng.integers(40, height))
    ink = (20, 20, 20) if rng.random() < 0.7 else (235, 235, 235)
    cv2.putText(scene, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, max(1, int(scale * 2)), cv2.LINE_AA)


def random_look(rng: np.random.Generator, module_px: tuple[float, float] = (3.0, 8.0)) -> Look:
    """Return a random but readable Look mixing every kind of degradation."""
    return Look(
        module_px=float(rng.uniform(*module_px)),
        angle=float(rng.uniform(-25, 25)),
        tilt=float(rng.uniform(0.0, 0.15)),
        blur=float(rng.choice([0.0, 0.6, 1.0])),
        noise=float(rng.uniform(0, 6)),
        glare=float(rng.choice([0.0, 0.0, 90.0])),
        jpeg=int(rng.integers(60, 95)) if rng.random() < 0.6 else None,
        screen=float(rng.uniform(0.35, 1.0)) if rng.random() < 0.4 else None,
        dark=bool(rng.random() < 0.15),
    )


def webcam_look(rng: np.random.Generator, **changes: Any) -> Look:
    """Return a Look typical of a 720p webcam (slight blur, noise, JPEG, a tilted ticket), with `changes`."""
    base = {
        "module_px": float(rng.uniform(3.5, 6.0)),
        "angle": float(rng.uniform(-15, 15)),
        "tilt": float(rng.uniform(0.0, 0.08)),
        "blur": 0.9,
        "noise": 3.0,
        "jpeg": 80,
    }
    return Look(**{**base, **changes})


def _either_sign(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high) * rng.choice([-1.0, 1.0]))


# Named conditions a gate camera meets, each a random Look for a given generator.
CONDITIONS: dict[str, Callable[[np.random.Generator], Look]] = {
    "3 px/module": lambda rng: webcam_look(rng, module_px=3.0),
    "blur": lambda rng: webcam_look(rng, blur=float(rng.uniform(1.3, 1.6))),
    "noise": lambda rng: webcam_look(rng, noise=float(rng.uniform(8, 12))),
    "perspective": lambda rng: webcam_look(rng, tilt=float(rng.uniform(0.12, 0.25)), angle=float(rng.uniform(-40, 40))),
    "glare": lambda rng: webcam_look(rng, glare=float(rng.uniform(60, 100))),
    "JPEG q40": lambda rng: webcam_look(rng, jpeg=40),
    "phone screen": lambda rng: webcam_look(rng, screen=float(rng.uniform(0.3, 1.0))),
    "dim screen": lambda rng: webcam_look(rng, screen=float(rng.uniform(0.1, 0.3))),
    "dark mode": lambda rng: webcam_look(rng, dark=True, screen=float(rng.uniform(0.4, 1.0))),
    "large, close": lambda rng: webcam_look(rng, module_px=float(rng.uniform(9, 15))),
    "mixed": lambda rng: random_look(rng),
    "screen, banding": lambda rng: webcam_look(rng, screen=float(rng.uniform(0.2, 1.0)),
                                               banding=float(rng.uniform(0.15, 0.35))),
    "cracked protector": lambda rng: webcam_look(rng, screen=float(rng.uniform(0.5, 1.0)),
                                                 cracks=int(rng.integers(3, 7))),
    "curved paper": lambda rng: webcam_look(rng, curve=float(rng.uniform(30, 45))),
    "wristband": lambda rng: webcam_look(rng, curve=float(rng.uniform(45, 55)),
                                         module_px=float(rng.uniform(5.0, 6.5))),
    "45 deg, strong tilt": lambda rng: webcam_look(rng, angle=_either_sign(rng, 40, 50),
                                                   tilt=float(rng.uniform(0.25, 0.35))),
    "motion blur": lambda rng: webcam_look(rng, module_px=float(rng.uniform(4.5, 6.0)),
                                           motion=float(rng.uniform(5, 9)),
                                           motion_angle=float(rng.choice([0.0, 90.0]))),
    "low light": lambda rng: webcam_look(rng, light=float(rng.uniform(0.15, 0.3)),
                                         noise=float(rng.uniform(2, 4))),
    "12 MP photo": lambda rng: webcam_look(rng, module_px=float(rng.uniform(12, 30)), blur=1.5, jpeg=85),
    "320x240": lambda rng: webcam_look(rng, module_px=float(rng.uniform(3.0, 4.4))),
}
# Conditions whose frames are not 1280x720.
_SIZES = {"12 MP photo": (4000, 3000), "320x240": (320, 240)}


def frame_size(condition: str) -> tuple[int, int]:
    """Width and height of the frames of a named condition."""
    return _SIZES.get(condition, FRAME_SIZE)


def gate_frame(
    rng: np.random.Generator,
    text: str | list[str] | None,
    look: Look = Look(),
    size: tuple[int, int] = FRAME_SIZE,
) -> np.ndarray:
    """Return a BGR frame of a gate scene, showing `text` as a QR code unless None
    (a list of texts: a sheet of codes, as a group's tickets printed on one page)."""
    frame = gate_scene(rng, size).astype(np.float32)
    if text is not None:
        modules = render_code(text) if isinstance(text, str) else render_sheet(text)
        quad = _placement(rng, modules.shape[0], look, size)
        _paste_code(frame, modules, quad, look)
        if look.banding:
            _add_banding(frame, rng, quad, look.banding)
        if look.cracks:
            _add_cracks(frame, rng, quad, look.cracks)
        if look.glare:
            _add_glare(frame, rng, quad, look.glare)
    if look.blur:
        frame = cv2.GaussianBlur(frame, (0, 0), look.blur)
    if look.motion:
        frame = cv2.filter2D(frame, -1, _motion_kernel(look.motion, look.motion_angle))
    if look.light < 1.0:
        # Little light reaches the sensor: few grey levels, then the gain multiplies them and the noise.
        frame = np.round(frame * look.light)
    if look.noise:
        # OpenCV's generator is several times faster than NumPy's for a whole frame.
        cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
        noise = np.empty_like(frame)
        cv2.randn(noise, (0.0,) * 3, (look.noise,) * 3)
        frame += noise
    if look.light < 1.0:
        frame *= 0.8 / look.light
    out = np.clip(frame, 0, 255).astype(np.uint8)
    if look.jpeg:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, look.jpeg])
        out = cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else out
    return out


def _placement(rng: np.random.Generator, n: int, look: Look, size: tuple[int, int]) -> np.ndarray:
    """Corners (clockwise from top-left) of the code in the frame: rotated, tilted, inside the frame."""
    side = n * look.module_px
    half = side / 2.0
    corners = np.array([[-half, -half], [half, -half], [half, half], [-half, half]], np.float32)
    # Perspective: pull one edge in, as when the ticket leans away from the camera.
    edge = int(rng.integers(0, 4))
    for i in (edge, (edge + 1) % 4):
        corners[i] *= 1.0 - look.tilt
    theta = np.deg2rad(look.angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]], np.float32)
    corners = corners @ rot.T
    reach = np.abs(corners).max(axis=0) + 8
    width, height = size
    cx = rng.uniform(reach[0], max(reach[0] + 1, width - reach[0]))
    cy = rng.uniform(reach[1], max(reach[1] + 1, height - reach[1]))
    return corners + np.array([cx, cy], np.float32)


def _paste_code(frame: np.ndarray, modules: np.ndarray, quad: np.ndarray, look: Look) -> None:
    dark_level, light_level = _levels(look)
    grey = np.where(modules > 0, dark_level, light_level).astype(np.float32)
    if look.dark:
        grey = dark_level + light_level - grey
    src_px = 8
    grey = cv2.resize(grey, None, fx=src_px, fy=src_px, interpolation=cv2.INTER_NEAREST)
    if look.curve:
        grey = _curved(grey, look.curve, light_level if not look.dark else dark_level)
    if look.screen is not None:
        grey = _screen_texture(grey)
    x0, y0 = np.floor(quad.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 2
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, frame.shape[1]), min(y1, frame.shape[0])
    w, h = x1 - x0, y1 - y0
    src = np.array([[0, 0], [grey.shape[1], 0], [grey.shape[1], grey.shape[0]], [0, grey.shape[0]]], np.float32)
    dst = (quad - np.array([x0, y0], np.float32)) * _SUPERSAMPLE
    warp = cv2.getPerspectiveTransform(src, dst)
    big = (w * _SUPERSAMPLE, h * _SUPERSAMPLE)
    patch = cv2.warpPerspective(grey, warp, big, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones_like(grey), warp, big, flags=cv2.INTER_LINEAR)
    patch = cv2.resize(patch, (w, h), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA)[..., None]
    region = frame[y0:y1, x0:x1]
    region[:] = region * (1.0 - mask) + patch[..., None] * mask


def _levels(look: Look) -> tuple[float, float]:
    """Grey of dark and light modules: ink on paper, or a phone screen at some brightness."""
    if look.screen is None:
        return 35.0, 225.0
    # A dim phone screen shows low contrast; the dark pixels never go fully black.
    return 18.0 + 20.0 * look.screen, 70.0 + 185.0 * look.screen


def _screen_texture(grey: np.ndarray) -> np.ndarray:
    """Overlay the pixel grid of a phone screen, the source of moire in camera frames."""
    rows = (np.arange(grey.shape[0]) % 3 == 0)[:, None]
    cols = (np.arange(grey.shape[1]) % 3 == 0)[None, :]
    return grey * np.where(rows | cols, 0.82, 1.0).astype(np.float32)


def _curved(grey: np.ndarray, half_arc: float, background: float) -> np.ndarray:
    """The code as seen on a cylinder (a bent ticket, a wristband): squeezed towards the sides, bowed."""
    height, width = grey.shape
    arc = np.deg2rad(half_arc)
    across = np.linspace(-1.0, 1.0, width, dtype=np.float32)
    # Where on the surface each column of the picture looks: arcsin of the projection.
    surface = np.arcsin(np.clip(across * np.sin(arc), -1, 1)) / arc
    map_x = np.broadcast_to((surface + 1.0) * (width - 1) / 2.0, (height, width)).astype(np.float32)
    # Seen from a little above, the rows bow: the sides lag behind the middle.
    bow = 0.08 * height * (1.0 - np.cos(surface * arc))
    map_y = (np.arange(height, dtype=np.float32)[:, None] - bow[None, :]).astype(np.float32)
    return cv2.remap(grey, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=float(background))


def _add_banding(frame: np.ndarray, rng: np.random.Generator, quad: np.ndarray, depth: float) -> None:
    """Dark bands across a screen: its refresh out of step with the camera's rolling shutter."""
    x0, y0 = np.floor(quad.min(axis=0)).astype(int)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
    x0, y0 = max(x0, 0), max(y0, 0)
    rows = np.arange(y0, min(y1, frame.shape[0]), dtype=np.float32)
    period, phase = float(rng.uniform(20, 80)), float(rng.uniform(0, 2 * np.pi))
    gain = 1.0 - depth * (0.5 + 0.5 * np.sin(2 * np.pi * rows / period + phase))
    frame[y0 : y0 + rows.size, x0:x1] *= gain[:, None, None]


def _add_cracks(frame: np.ndarray, rng: np.random.Generator, quad: np.ndarray, count: int) -> None:
    """Cracks in a screen protector: thin bright lines with a dark edge, from one point of impact."""
    centre = quad.mean(axis=0) + rng.uniform(-0.3, 0.3, 2) * np.ptp(quad, axis=0)
    reach = float(np.ptp(quad, axis=0).max())
    for _ in range(count):
        angle = rng.uniform(0, 2 * np.pi)
        points = [centre]
        for _ in range(4):  # a crack wanders a little on its way out
            angle += rng.uniform(-0.4, 0.4)
            points.append(points[-1] + reach * 0.2 * np.array([np.cos(angle), np.sin(angle)]))
        line = np.array(points, np.int32).reshape(-1, 1, 2)
        cv2.polylines(frame, [line + 1], False, (30.0, 30.0, 30.0), 1, cv2.LINE_AA)
        cv2.polylines(frame, [line], False, (245.0, 245.0, 245.0), 1, cv2.LINE_AA)


def _motion_kernel(length: float, angle: float) -> np.ndarray:
    """A line of `length` pixels in direction `angle`: the smear of a camera or ticket moving one way."""
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, :] = 1.0
    turn = cv2.getRotationMatrix2D((size / 2 - 0.5, size / 2 - 0.5), angle, 1.0)
    kernel = cv2.warpAffine(kernel, turn, (size, size))
    return kernel / kernel.sum()


def _add_glare(frame: np.ndarray, rng: np.random.Generator, quad: np.ndarray, peak: float) -> None:
    """Add a soft specular highlight over part of the code, washing out its modules."""
    centre = quad.mean(axis=0) + rng.uniform(-0.3, 0.3, 2) * np.ptp(quad, axis=0)
    sigma = float(np.ptp(quad[:, 0])) * 0.18
    ys, xs = np.ogrid[: frame.shape[0], : frame.shape[1]]
    blob = np.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2 * sigma**2)).astype(np.float32)
    frame += peak * blob[..., None]
