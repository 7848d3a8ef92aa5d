"""Benchmark of QR decoding: reads and milliseconds per condition, plain decoders beside the pipeline.

Run from the repository root:  .venv/bin/python bench/decode.py [--quick]

Sets: the shared real photos (../shared/data/qr-photos) as they are and
resized to 320x240, 1280x960 and a 12 MP phone photo's 4000x3000, seeded synthetic
gate frames without a code and with one of our ticket codes under each camera
condition of `scanner.synthetic` (720p unless the condition says otherwise:
a 12 MP phone photo, a 320x240 camera), and a live FrameReader loop. Each
image is decoded by plain pyzbar (QR only, whole grey image), plain zxing-cpp
(QR only, whole image) and the pipeline (`scanner.decode`) on each backend.
Every frame comes from a fixed seed, so two runs decode the same pixels.

Tuning and held-out halves: every image has a name (a photo's file name, the
same at every size, or the set's name and the frame's number) and a hash of
that name puts it in one half for good. Rung, threshold and order choices in scanner/ must be made
by looking at the tuning half only; the held-out half is reported apart and
says whether those choices generalise. Do not tune on it.

Times are per call, wall-clock medians in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scanner  # noqa: E402
from scanner.backends import get_decoder  # noqa: E402
from scanner.synthetic import CONDITIONS, Look, frame_size, gate_frame, ticket_code, webcam_look  # noqa: E402
from scanner.text import payload_text  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "data" / "qr-photos"
EMPTY_LOOK = Look(blur=0.9, noise=3.0, jpeg=80)
PHOTO_SET = "real photos"
# The real photos are also read resized: a small camera, the size of two real phone photos once missed,
# and 12 MP.
PHOTO_SIZES = [(320, 240), (1280, 960), (4000, 3000)]
EMPTY_SET = "720p no code"
SMALL_SET = "720p 3 px/module"
# How many frames each synthetic set gets (a quarter with --quick).
FRAMES = {"720p no code": 80, "720p code, webcam": 80, "12 MP photo": 12, SMALL_SET: 10}
DEFAULT_FRAMES = 30


@dataclass
class Case:
    """One image: its name (which fixes its half), its set, and the text it shows (None: no code)."""

    name: str
    set: str
    load: Callable[[], np.ndarray]
    expected: str | None

    @property
    def held_out(self) -> bool:
        """Whether this image is in the held-out half: fixed by its name alone (a photo resized
        keeps its name, so no photo is in both halves)."""
        return zlib.crc32(self.name.encode()) % 2 == 1


@dataclass
class Outcome:
    """What one reader made of one image."""

    texts: set[str]
    seconds: float


@dataclass
class Tally:
    """Reads, misreads and times of one reader over some cases."""

    codes: int = 0
    read: int = 0
    wrong: int = 0
    times: list[float] = field(default_factory=list)

    def add(self, case: Case, outcome: Outcome) -> None:
        self.codes += case.expected is not None
        if case.expected is not None and case.expected in outcome.texts:
            self.read += 1
        # Anything read that the image does not show is a misread.
        self.wrong += bool(outcome.texts - {case.expected})
        self.times.append(outcome.seconds)

    def median_ms(self) -> float:
        return statistics.median(self.times or [0.0]) * 1000


# Readers: name -> function from a BGR image to the texts read.
Reader = Callable[[np.ndarray], list[str]]


def plain_pyzbar(image: np.ndarray) -> list[str]:
    """pyzbar alone on the whole grey image, QR only."""
    from pyzbar.pyzbar import ZBarSymbol
    from pyzbar.pyzbar import decode as zbar_decode

    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return [payload_text(s.data) for s in zbar_decode(gray, symbols=[ZBarSymbol.QRCODE])]


def plain_zxing(image: np.ndarray) -> list[str]:
    """zxing-cpp alone on the whole image, QR only."""
    import zxingcpp

    return [code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def readers() -> dict[str, Reader]:
    """The plain decoders and the pipeline on each backend; zxing-cpp ones only when installed."""
    chosen: dict[str, Reader] = {"plain pyzbar": plain_pyzbar}
    try:
        get_decoder("zxing")
    except RuntimeError:
        print("zxing-cpp not installed: pip install 'gate-checkin[zxing]' to compare it", file=sys.stderr)
        zxing = False
    else:
        chosen["plain zxing-cpp"] = plain_zxing
        zxing = True
    chosen["pipeline zbar"] = lambda image: scanner.decode(image, decoder="zbar")
    if zxing:
        chosen["pipeline zxing"] = lambda image: scanner.decode(image, decoder="zxing")
    return chosen


# Each pipeline's own plain backend, for the "never worse than plain" count.
PLAIN_OF = {"pipeline zbar": "plain pyzbar", "pipeline zxing": "plain zxing-cpp"}


def photo_cases() -> list[Case]:
    """The shared photos, each with its expected text, as they are and at each of PHOTO_SIZES."""
    cases = []
    for path in sorted(PHOTOS.glob("*/*.png")) + sorted(PHOTOS.glob("*/*.jpg")):
        # Bytes, not read_text: universal newlines would turn the payloads' CR LF into LF.
        expected = path.with_suffix(".txt").read_bytes().decode("utf-8")
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            continue
        name = f"{path.parent.name}/{path.name}"
        cases.append(Case(name, PHOTO_SET, partial(_as_is, image), expected))
        for size in PHOTO_SIZES:
            # Resized when decoded: 81 photos at 12 MP would hold gigabytes.
            cases.append(Case(name, f"{PHOTO_SET} at {size[0]}x{size[1]}", partial(_resized, image, size), expected))
    return cases


def _as_is(image: np.ndarray) -> np.ndarray:
    return image


def _resized(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    shrink = size[0] < image.shape[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def frame_cases(name: str, count: int, look: Callable[[np.random.Generator], Look] | None,
                size: tuple[int, int] = (1280, 720)) -> list[Case]:
    """`count` seeded frames: with a random ticket code in `look`, or empty if `look` is None."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    cases = []
    for index in range(count):
        text = ticket_code(rng) if look else None
        image = gate_frame(rng, text, look(rng) if look else EMPTY_LOOK, size=size)
        cases.append(Case(f"{name}#{index}", name, partial(_as_is, image), text))
    return cases


def all_cases(quick: bool) -> list[Case]:
    """Every image of the benchmark, built once."""
    cases: list[Case] = []
    if PHOTOS.is_dir():
        cases += photo_cases()
    else:
        print(f"no photos at {PHOTOS}: skipping that set", file=sys.stderr)
    sets: list[tuple[str, Callable[[np.random.Generator], Look] | None, tuple[int, int]]] = [
        (EMPTY_SET, None, (1280, 720)), ("720p code, webcam", webcam_look, (1280, 720))]
    for condition, look in CONDITIONS.items():
        size = frame_size(condition)
        prefix = "720p " if size == (1280, 720) else ""
        sets.append((f"{prefix}{condition}", look, size))
    for name, look, size in sets:
        count = FRAMES.get(name, DEFAULT_FRAMES)
        if quick and name != SMALL_SET:
            count = max(count // 4, 2)
        cases += frame_cases(name, count, look, size)
    return cases


def decode_all(cases: list[Case], chosen: dict[str, Reader]) -> dict[str, list[Outcome]]:
    """Each reader on each case, once, after one warm-up call per reader."""
    outcomes: dict[str, list[Outcome]] = {name: [] for name in chosen}
    first = cases[0].load()
    for read in chosen.values():
        read(first)
    for case in cases:
        image = case.load()
        for name, read in chosen.items():
            started = time.perf_counter()
            texts = set(read(image))
            outcomes[name].append(Outcome(texts, time.perf_counter() - started))
    return outcomes


def live_ms(backend: str, frames: int) -> dict[str, float]:
    """Median wall-clock and CPU ms per camera frame of a FrameReader (the live loop, with its budget).

    CPU time moves far less than wall-clock time on a loaded machine; OpenCV's threads count in it.
    """
    rng = np.random.default_rng(7)
    text = ticket_code(rng)
    sequences = {"live 720p, no code": [gate_frame(rng, None, EMPTY_LOOK) for _ in range(frames)],
                 "live 720p, code held up": [gate_frame(rng, text, webcam_look(rng)) for _ in range(frames)]}
    medians = {}
    for name, sequence in sequences.items():
        reader = scanner.FrameReader(decoder=backend, forget_after=60.0)
        reader.read(sequence[0])
        times, cpu = [], []
        for frame in sequence:
            started, cpu_started = time.perf_counter(), time.process_time()
            reader.read(frame)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        medians[name] = statistics.median(times) * 1000
        medians[f"{name} (cpu)"] = statistics.median(cpu) * 1000
    return medians


def print_table(header: list[str], lines: list[list[str]]) -> None:
    """An aligned table: first column left, the others right."""
    table = [header] + lines
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for index, line in enumerate(table):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if index == 0:
            print("  ".join("-" * w for w in widths))


def tallies(cases: list[Case], outcomes: list[Outcome], keep: Callable[[Case], bool]) -> Tally:
    tally = Tally()
    for case, outcome in zip(cases, outcomes):
        if keep(case):
            tally.add(case, outcome)
    return tally


def cell(tally: Tally) -> list[str]:
    """Read (and misreads, if any) and median ms."""
    wrong = f" !{tally.wrong}" if tally.wrong else ""
    return [f"{tally.read}{wrong}" if tally.codes else f"-{wrong}", f"{tally.median_ms():.1f}"]


def never_worse_misses(cases: list[Case], outcomes: dict[str, list[Outcome]], pipeline: str) -> list[str]:
    """Names of images where the pipeline missed a code its plain backend read."""
    plain = outcomes[PLAIN_OF[pipeline]]
    return [case.name for case, mine, theirs in zip(cases, outcomes[pipeline], plain)
            if not theirs.texts <= mine.texts]


def report(cases: list[Case], outcomes: dict[str, list[Outcome]], live: dict[str, dict[str, float]]) -> None:
    """The per-set table, the tuning/held-out table, the live loop and the goals."""
    names = list(outcomes)
    sets = list(dict.fromkeys(case.set for case in cases))
    header = ["set", "codes"] + [f"{n} {what}" for n in names for what in ("read", "ms")]
    lines = []
    for name in sets:
        in_set = [tallies(cases, outcomes[n], lambda c, s=name: c.set == s) for n in names]
        lines.append([name, str(in_set[0].codes)] + [x for t in in_set for x in cell(t)])
    print_table(header, lines)
    print("(read: codes read; !n: images with a misread; ms: median per image)\n")

    halves = {"tuning": lambda c: not c.held_out, "held-out": lambda c: c.held_out}
    lines = []
    for half, keep in halves.items():
        photo = lambda c: c.set.startswith(PHOTO_SET)  # noqa: E731
        for group, in_group in (("photos", photo), ("synthetic", lambda c: not photo(c)), ("all", lambda c: True)):
            row = [tallies(cases, outcomes[n], lambda c, k=keep, g=in_group: k(c) and g(c)) for n in names]
            if row[0].times:
                lines.append([f"{half}, {group}", str(row[0].codes)] + [x for t in row for x in cell(t)])
    print_table(["half"] + header[1:], lines)
    print("(rung, threshold and order choices are made on the tuning half only)\n")

    if live:
        print_table(["live FrameReader (budget per frame)"] + list(live),
                    [[what] + [f"{live[b][what]:.1f} ms" for b in live] for what in next(iter(live.values()))])
        print()
    print_goals(cases, outcomes, live)


def print_goals(cases: list[Case], outcomes: dict[str, list[Outcome]], live: dict[str, dict[str, float]]) -> None:
    """The gate scanner's goals, checked for each pipeline."""
    checks: list[tuple[str, bool]] = []
    held = [tallies(cases, outcomes[n], lambda c: c.held_out) for n in outcomes]
    best_plain = max(t.read for n, t in zip(outcomes, held) if n.startswith("plain"))
    for name in (n for n in outcomes if n.startswith("pipeline")):
        mine = held[list(outcomes).index(name)]
        checks.append((f"{name}: held-out {mine.read} read >= best plain decoder's {best_plain}, "
                       f"{mine.wrong} wrong", mine.read >= best_plain and mine.wrong == 0))
        if PLAIN_OF[name] in outcomes:
            misses = never_worse_misses(cases, outcomes, name)
            shown = f" ({', '.join(misses[:5])})" if misses else ""
            checks.append((f"{name}: {len(misses)} images where it reads less than {PLAIN_OF[name]}{shown}",
                           not misses))
        small = tallies(cases, outcomes[name], lambda c: c.set == SMALL_SET)
        checks.append((f"{name}: 3 px/module {small.read} of {small.codes}", small.read == small.codes == 10))
    for backend, medians in live.items():
        empty = medians["live 720p, no code"]
        checks.append((f"{backend}: empty 720p camera frame, median {empty:.1f} ms < 8 ms", empty < 8))
    for name in (n for n in outcomes if n.startswith("pipeline")):
        still = tallies(cases, outcomes[name], lambda c: c.set == EMPTY_SET).median_ms()
        print(f"info  {name}: empty 720p still image (full-size read included) {still:.1f} ms median")
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")


def main() -> None:
    """Run the benchmark and print its tables and goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the frames, for a smoke run")
    args = parser.parse_args()
    started = time.perf_counter()
    cases = all_cases(args.quick)
    chosen = readers()
    outcomes = decode_all(cases, chosen)
    backends = [n.split()[1] for n in chosen if n.startswith("pipeline")]
    live = {b: live_ms(b, 15 if args.quick else 60) for b in backends}
    report(cases, outcomes, live)
    print(f"\n{time.perf_counter() - started:.0f} s in all; OpenCV {cv2.__version__}, {cv2.getNumThreads()} threads; "
          f"scanner from {Path(scanner.__file__).parent}")
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > cpus:
        # Wall-clock times then include waiting for other processes.
        print(f"note: load average {load:.1f} on {cpus} CPUs during the run: wall-clock times are inflated")


if __name__ == "__main__":
    main()
