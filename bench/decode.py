"""Benchmark of QR decoding: read rate and milliseconds per image, per backend.

Run from the repository root:  .venv/bin/python bench/decode.py [--quick]

Rows: the shared real photos (../shared/data/qr-photos), synthetic 1280x720
gate frames without a code and with one of our ticket codes under each
camera condition, a live FrameReader loop, and plain whole-frame pyzbar as
the baseline the pipeline replaces. Every frame is generated from a fixed
seed, so two runs decode the same pixels. Times are per call: wall-clock
(median and 90th percentile) and the process's CPU time (median; OpenCV may
use several threads, so it can exceed the wall-clock time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scanner  # noqa: E402
from scanner.backends import get_decoder  # noqa: E402
from scanner.synthetic import CONDITIONS, Look, gate_frame, ticket_code, webcam_look  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "data" / "qr-photos"
EMPTY_LOOK = Look(blur=0.9, noise=3.0, jpeg=80)
Case = tuple[np.ndarray, "str | None"]


@dataclass
class Row:
    """One line of the table: counts, and per call the wall-clock and CPU times (seconds)."""

    name: str
    backend: str
    total: int
    read: int = 0
    wrong: int = 0
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def timed(self, call: Callable[[], list[str]]) -> list[str]:
        """Run `call`, recording its wall-clock and CPU time."""
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        return result

    def median_ms(self) -> float:
        """Median wall-clock milliseconds per call."""
        return statistics.median(self.wall or [0.0]) * 1000

    def cells(self) -> list[str]:
        """The row as table cells."""
        ms = sorted(t * 1000 for t in self.wall or [0.0])
        p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
        cpu = statistics.median(self.cpu or [0.0]) * 1000
        rate = f"{100 * self.read / self.total:.1f}%" if self.total else "-"
        return [self.name, self.backend, str(self.total), str(self.read), str(self.wrong), rate,
                f"{self.median_ms():.2f}", f"{p90:.2f}", f"{cpu:.2f}"]


def photo_cases() -> list[Case]:
    """The shared photos whose expected text is ASCII, as (image, text)."""
    cases: list[Case] = []
    for path in sorted(PHOTOS.glob("*/*.png")) + sorted(PHOTOS.glob("*/*.jpg")):
        # Bytes, not read_text: universal newlines would turn the payloads' CR LF into LF.
        expected = path.with_suffix(".txt").read_bytes().decode("utf-8")
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if expected.isascii() and image is not None:
            cases.append((image, expected))
    return cases


def frame_cases(name: str, count: int, look: Callable[[np.random.Generator], Look] | None) -> list[Case]:
    """`count` seeded 720p frames: with a random ticket code in `look`, or empty if `look` is None."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    cases: list[Case] = []
    for _ in range(count):
        text = ticket_code(rng) if look else None
        cases.append((gate_frame(rng, text, look(rng) if look else EMPTY_LOOK), text))
    return cases


def measure(name: str, backend: str, cases: list[Case], read: Callable[[np.ndarray], list[str]]) -> Row:
    """Decode every case once (after one warm-up call) and count reads, misreads and time."""
    row = Row(name, backend, sum(1 for _, text in cases if text is not None))
    read(cases[0][0])
    for image, expected in cases:
        texts = row.timed(partial(read, image))
        if expected is not None and expected in texts:
            row.read += 1
        elif texts:
            row.wrong += 1
    return row


def decode_with(backend: str, image: np.ndarray) -> list[str]:
    """The pipeline with one backend."""
    return scanner.decode(image, decoder=backend)


def plain_pyzbar(image: np.ndarray) -> list[str]:
    """The baseline: pyzbar on the whole grey frame, QR only."""
    from pyzbar.pyzbar import ZBarSymbol
    from pyzbar.pyzbar import decode as zbar_decode

    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return [s.data.decode("utf-8", "replace") for s in zbar_decode(gray, symbols=[ZBarSymbol.QRCODE])]


def live_rows(backend: str, frames: int) -> Iterator[Row]:
    """A FrameReader on a camera-like sequence: empty scene, a ticket held up, empty again."""
    rng = np.random.default_rng(7)
    text = ticket_code(rng)
    empty = [gate_frame(rng, None, EMPTY_LOOK) for _ in range(frames)]
    shown = [gate_frame(rng, text, webcam_look(rng)) for _ in range(frames)]
    for name, sequence in (("live, no code", empty), ("live, code held up", shown)):
        reader = scanner.FrameReader(decoder=backend, forget_after=60.0)
        row = Row(name, backend, 1 if sequence is shown else 0)
        reports = []
        for frame in sequence:
            reports.extend(row.timed(partial(reader.read, frame)))
        row.read = reports.count(text)
        row.wrong = len(reports) - row.read
        yield row


def backends() -> list[str]:
    """zbar always; zxing-cpp when the optional extra is installed."""
    names = ["zbar"]
    try:
        get_decoder("zxing")
        names.append("zxing")
    except RuntimeError:
        print("zxing-cpp not installed: pip install 'gate-checkin[zxing]' to compare it", file=sys.stderr)
    return names


def run(quick: bool) -> list[Row]:
    """Build every case once, then decode each with each backend."""
    scale = 4 if quick else 1
    sets: list[tuple[str, list[Case]]] = []
    if PHOTOS.is_dir():
        sets.append(("real photos (ASCII)", photo_cases()))
    else:
        print(f"no photos at {PHOTOS}: skipping that row", file=sys.stderr)
    sets.append(("720p no code", frame_cases("empty", 80 // scale, None)))
    sets.append(("720p code, webcam", frame_cases("webcam", 80 // scale, webcam_look)))
    sets += [(f"720p {name}", frame_cases(name, (10 if name == "3 px/module" else 30 // scale), look))
             for name, look in CONDITIONS.items()]
    rows = []
    for backend in backends():
        read = partial(decode_with, backend)
        rows += [measure(name, backend, cases, read) for name, cases in sets]
        rows += list(live_rows(backend, 60 // scale))
    for name, cases in sets[:3]:
        rows.append(measure(name, "plain pyzbar", cases, plain_pyzbar))
    return rows


def print_table(rows: list[Row]) -> None:
    """Print the rows as an aligned table."""
    header = ["set", "backend", "codes", "read", "wrong", "rate", "median ms", "p90 ms", "cpu ms"]
    table = [header] + [row.cells() for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for index, line in enumerate(table):
        print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths))))
        if index == 0:
            print("  ".join("-" * w for w in widths))


def print_goals(rows: list[Row]) -> None:
    """Check the goals of the gate scanner against the zbar rows."""
    by_name = {r.name: r for r in rows if r.backend == "zbar"}
    checks = []
    if "real photos (ASCII)" in by_name:
        photos = by_name["real photos (ASCII)"]
        checks.append(("real photos >= 95% read, none wrong", photos.read >= 0.95 * photos.total and photos.wrong == 0))
    empty, webcam = by_name["720p no code"], by_name["720p code, webcam"]
    checks.append(("720p no code: median < 8 ms", empty.median_ms() < 8))
    checks.append(("720p with code: median < 12 ms", webcam.median_ms() < 12))
    small = by_name["720p 3 px/module"]
    checks.append(("3 px/module: 10 of 10", small.read == small.total == 10))
    print()
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")


def main() -> None:
    """Run the benchmark and print its table and goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the frames, for a smoke run")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = run(args.quick)
    print_table(rows)
    print_goals(rows)
    print(f"\n{time.perf_counter() - started:.0f} s in all; OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads")
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > cpus:
        # Wall-clock times then include waiting for other processes; cpu ms does not.
        print(f"note: load average {load:.1f} on {cpus} CPUs during the run: wall-clock times are inflated")


if __name__ == "__main__":
    main()
