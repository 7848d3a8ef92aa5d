"""Payload bytes to text: UTF-8, Shift_JIS, Latin-1, zbar's mojibake undone, never an exception."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
import segno

import scanner
from scanner.text import payload_text, repair_mojibake


@pytest.mark.parametrize(
    "text",
    ["PLAIN ASCII 123", "Zoë Ångström", "naïve café", "東京タワー", "Привет", "price: 10 €", "emoji 🎟️"],
)
def test_utf8_payloads(text: str) -> None:
    assert payload_text(text.encode("utf-8")) == text


def test_shift_jis_payload() -> None:
    assert payload_text("東京タワー".encode("shift_jis")) == "東京タワー"


def test_latin1_payload() -> None:
    assert payload_text("Zoë Ångström".encode("latin-1")) == "Zoë Ångström"


@pytest.mark.parametrize("text", ["東京タワー", "naïve café", "price: 10 €", "Ünïcödé"])
def test_zbar_sjis_mojibake_is_undone(text: str) -> None:
    # What zbar returns when it takes UTF-8 bytes for Shift_JIS and converts them.
    misread = text.encode("utf-8").decode("shift_jis", errors="strict") if _sjis_ok(text) else None
    if misread is None:
        pytest.skip("these bytes are not valid Shift_JIS, zbar would not take them for it")
    assert repair_mojibake(misread) == text


def _sjis_ok(text: str) -> bool:
    try:
        text.encode("utf-8").decode("shift_jis")
    except UnicodeDecodeError:
        return False
    return True


def test_latin1_mojibake_is_undone() -> None:
    text = "Zoë Ångström"
    assert repair_mojibake(text.encode("utf-8").decode("latin-1")) == text


def test_genuine_text_is_left_alone() -> None:
    for text in ["東京タワー", "Zoë", "ASCII", "", "Ã is a letter"]:
        assert repair_mojibake(text) == text


def test_random_bytes_never_raise() -> None:
    rng = np.random.default_rng(3)
    for size in range(0, 200, 7):
        payload_text(rng.integers(0, 256, size, dtype=np.uint8).tobytes())


@pytest.mark.parametrize("text", ["Zoë Ångström", "東京タワー", "naïve café", "price: 10 €", "Ünïcödé ok"])
def test_non_ascii_payloads_end_to_end(text: str, code_image: Callable[..., np.ndarray]) -> None:
    # segno writes these as bytes without an ECI marker, as most generators do,
    # so the reader has to guess the encoding; it must guess right.
    qr = segno.make(text, mode="byte", error="m", micro=False)
    modules = np.array(list(qr.matrix_iter(scale=1, border=4)), dtype=np.uint8)
    image = np.where(modules > 0, 0, 255).astype(np.uint8)
    image = cv2.resize(image, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
    assert scanner.decode(image) == [text]
