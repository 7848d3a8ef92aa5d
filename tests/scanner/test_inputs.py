"""What `decode` and `decode_bytes` accept, and the clear errors for everything else."""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np
import pytest

import scanner

TEXT = "GATE 7 TICKET"
MakeCode = Callable[..., np.ndarray]


@pytest.mark.parametrize("value", [None, "image.png", b"\x89PNG", [[0, 255], [255, 0]], 42, object()])
def test_decode_rejects_what_is_not_an_array(value: object) -> None:
    with pytest.raises(TypeError, match="NumPy array"):
        scanner.decode(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((0, 0), np.uint8),
        np.zeros(100, np.uint8),
        np.zeros((4, 4, 3, 2), np.uint8),
        np.zeros((10, 0, 3), np.uint8),
    ],
    ids=["empty", "1-D", "4-D", "zero width"],
)
def test_decode_rejects_bad_shapes(array: np.ndarray) -> None:
    with pytest.raises(ValueError, match="image"):
        scanner.decode(array)


def test_decode_rejects_two_or_five_channels() -> None:
    for channels in (2, 5):
        with pytest.raises(ValueError, match="channels"):
            scanner.decode(np.zeros((20, 20, channels), np.uint8))


@pytest.mark.parametrize("dtype", [np.complex64, object, np.str_])
def test_decode_rejects_pixel_types_without_brightness(dtype: type) -> None:
    with pytest.raises(TypeError, match="pixel type"):
        scanner.decode(np.zeros((20, 20), dtype=dtype))


def test_decode_rejects_nan() -> None:
    image = np.zeros((20, 20), np.float32)
    image[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        scanner.decode(image)


def test_unknown_decoder_name() -> None:
    with pytest.raises(ValueError, match="unknown QR decoder"):
        scanner.decode(np.zeros((20, 20), np.uint8), decoder="barcodinator")


def test_every_usual_image_layout_reads(code_image: MakeCode) -> None:
    grey = code_image(TEXT)
    bgr = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    layouts = {
        "grey": grey,
        "grey, one channel": grey[:, :, None],
        "BGR": bgr,
        "BGRA": cv2.cvtColor(grey, cv2.COLOR_GRAY2BGRA),
        "16-bit": grey.astype(np.uint16) * 257,
        "float 0..1": grey.astype(np.float32) / 255.0,
        "float 0..255": grey.astype(np.float64),
        "bool": grey > 127,
        "not contiguous": np.asfortranarray(grey),
        "a view": bgr[:, ::-1][:, ::-1],
        "colour, not contiguous": np.asfortranarray(bgr),
        "colour, every other pixel": cv2.resize(bgr, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)[::2, ::2],
    }
    for name, image in layouts.items():
        assert scanner.decode(image) == [TEXT], name


def test_decode_does_not_modify_its_input(code_image: MakeCode) -> None:
    image = code_image(TEXT, dark=True)
    before = image.copy()
    scanner.decode(image)
    assert np.array_equal(image, before)


@pytest.mark.parametrize("extension", [".png", ".jpg", ".webp", ".bmp"])
def test_decode_bytes_of_encoded_images(code_image: MakeCode, extension: str) -> None:
    ok, data = cv2.imencode(extension, code_image(TEXT))
    assert ok
    assert scanner.decode_bytes(data.tobytes()) == [TEXT]
    assert scanner.decode_bytes(bytearray(data.tobytes())) == [TEXT]


def test_decode_bytes_of_an_image_without_code() -> None:
    ok, data = cv2.imencode(".png", np.full((100, 100), 200, np.uint8))
    assert ok
    assert scanner.decode_bytes(data.tobytes()) == []


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, this is not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"\xff\xd8\xff\xe0" + b"\x00" * 20],
    ids=["empty", "text", "truncated PNG", "truncated JPEG"],
)
def test_decode_bytes_rejects_undecodable_bytes(data: bytes) -> None:
    with pytest.raises(ValueError, match="image"):
        scanner.decode_bytes(data)


@pytest.mark.parametrize("value", ["picture.png", None, np.zeros(10, np.uint8)])
def test_decode_bytes_rejects_what_is_not_bytes(value: object) -> None:
    with pytest.raises(TypeError, match="bytes"):
        scanner.decode_bytes(value)  # type: ignore[arg-type]


def test_decode_bytes_refuses_images_announcing_gigapixels() -> None:
    import struct

    ok, data = cv2.imencode(".png", np.zeros((8, 8), np.uint8))
    assert ok
    png = bytearray(data.tobytes())
    png[16:24] = struct.pack(">II", 100_000, 100_000)
    with pytest.raises(ValueError, match="too large"):
        scanner.decode_bytes(bytes(png))
    ok, data = cv2.imencode(".jpg", np.zeros((8, 8), np.uint8))
    jpeg = bytearray(data.tobytes())
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)
    with pytest.raises(ValueError, match="too large"):
        scanner.decode_bytes(bytes(jpeg))


def _image_in(extension: str, shape: tuple[int, int] = (8, 8)) -> bytearray:
    ok, data = cv2.imencode(extension, np.zeros(shape, np.uint8))
    assert ok
    return bytearray(data.tobytes())


@pytest.mark.parametrize("extension", [".tiff", ".pgm", ".pfm", ".hdr", ".ras", ".sr"])
def test_decode_bytes_reads_only_formats_whose_size_it_checks(extension: str) -> None:
    data = bytes(_image_in(extension)) if extension not in (".pfm", ".hdr") else \
        cv2.imencode(extension, np.zeros((8, 8, 3), np.float32))[1].tobytes()
    with pytest.raises(ValueError, match="PNG, JPEG, WebP or BMP"):
        scanner.decode_bytes(data)


def test_decode_bytes_refuses_a_group4_tiff_bomb_before_decoding() -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(out, format="TIFF", compression="group4")
    began = time.perf_counter()
    with pytest.raises(ValueError, match="PNG, JPEG, WebP or BMP"):
        scanner.decode_bytes(out.getvalue())
    assert time.perf_counter() - began < 0.1


def test_decode_bytes_reads_the_size_of_webp_and_bmp_before_decoding() -> None:
    import struct

    from scanner.image import declared_size

    lossless = cv2.imencode(".webp", np.zeros((8, 8), np.uint8), [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes()
    lossy = cv2.imencode(".webp", np.zeros((8, 8), np.uint8), [cv2.IMWRITE_WEBP_QUALITY, 80])[1].tobytes()
    assert declared_size(lossless) == (8, 8) and declared_size(lossy) == (8, 8)
    assert declared_size(bytes(_image_in(".bmp", (6, 10)))) == (10, 6)
    big = bytearray(lossless)
    big[21:25] = struct.pack("<I", 9999 | (9999 << 14))  # VP8L: width-1 and height-1, 14 bits each
    with pytest.raises(ValueError, match="too large"):
        scanner.decode_bytes(bytes(big), max_pixels=1_000_000)
    extended = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0" + (16383).to_bytes(3, "little") * 2 + b"\0" * 16
    with pytest.raises(ValueError, match="too large"):
        scanner.decode_bytes(extended)
    bmp = _image_in(".bmp")
    bmp[18:26] = struct.pack("<ii", 30_000, -30_000)  # a top-down image of 900 megapixels
    with pytest.raises(ValueError, match="too large"):
        scanner.decode_bytes(bytes(bmp))


def test_decode_bytes_finds_a_jpeg_size_behind_large_segments() -> None:
    import struct

    jpeg = _image_in(".jpg")
    comment = b"\xff\xfe" + struct.pack(">H", 60_002) + b"c" * 60_000  # two comments before the frame header
    jpeg[2:2] = comment * 2
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 8000, 8000)
    began = time.perf_counter()
    with pytest.raises(ValueError, match="too large"):
        scanner.decode_bytes(bytes(jpeg))
    assert time.perf_counter() - began < 0.1  # refused from its header, not after decoding 64 megapixels


def test_decode_bytes_takes_its_caller_s_pixel_bound() -> None:
    data = bytes(_image_in(".png", (100, 200)))
    assert scanner.decode_bytes(data, max_pixels=20_000) == []
    with pytest.raises(ValueError, match="too large"):
        scanner.decode_bytes(data, max_pixels=19_999)
