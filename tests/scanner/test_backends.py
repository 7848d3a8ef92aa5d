"""Choosing the decoder backend: zbar by default, zxing-cpp by setting or parameter."""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
import pytest

import scanner
from scanner.backends import ZbarDecoder, ZxingDecoder, get_decoder


def test_zbar_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATE_DECODER", raising=False)
    assert get_decoder().name == "zbar"
    assert get_decoder("pyzbar").name == "zbar"


def test_environment_variable_chooses_zxing(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("zxingcpp")
    monkeypatch.setenv("GATE_DECODER", "zxing")
    assert get_decoder().name == "zxing"
    # A parameter wins over the environment.
    assert get_decoder("zbar").name == "zbar"


def test_unknown_names_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="choose one of"):
        get_decoder("qr-magic")
    monkeypatch.setenv("GATE_DECODER", "qr-magic")
    with pytest.raises(ValueError, match="unknown QR decoder"):
        get_decoder()


def test_missing_zxing_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail as if the package were absent.
    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    with pytest.raises(RuntimeError, match=r"gate-checkin\[zxing\]"):
        ZxingDecoder()


def test_zbar_reads_only_qr_codes_with_their_corners(code_image: Callable[..., np.ndarray]) -> None:
    image = code_image("CORNERS", px=4)
    (symbol,) = ZbarDecoder().read(image)
    assert symbol.text == "CORNERS"
    xs = [x for x, _ in symbol.points]
    assert len(symbol.points) >= 4
    # The code starts after the 4-module quiet zone: 16 pixels in.
    assert min(xs) == pytest.approx(16, abs=2)


def test_decoder_objects_are_accepted(code_image: Callable[..., np.ndarray]) -> None:
    assert scanner.decode(code_image("OBJECT"), decoder=ZbarDecoder()) == ["OBJECT"]


def test_zbar_is_safe_across_threads(code_image: Callable[..., np.ndarray]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    images = [code_image(f"THREAD {i}") for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(scanner.decode, images * 3))
    assert results == [[f"THREAD {i}"] for i in range(8)] * 3
