"""Benchmark of the gate page's in-page QR reader (zxing-wasm) in headless Chromium.

Run from the repository root:  .venv/bin/python bench/wasm_decode.py [--rounds N]

The page is the service's own (its Content-Security-Policy applies, so the
.wasm compiles only as the gate page's does), with BarcodeDetector removed so
the gate's reader choice (static/js/gate-decoders.js) takes the WebAssembly
path. Frames are 1280x720 gate scenes from scanner.synthetic (fixed seed):
empty, and with one ticket code as a 720p webcam shows it. Rows, per frame:
  - "frame": what the camera loop does each tick, copy the video frame to
    pixels through the canvas and decode it (detect());
  - "decode": the decoder alone on pixels already copied;
  - "zxing defaults": the same decoder with zxing-wasm's default options
    (every symbol it can find), the baseline the page's options are set against;
  - "server frame": what such a browser did before (and a browser without
    WebAssembly still does): the frame as JPEG posted to /scans/frame of a
    `gate serve` on this machine, until its answer is back.
Goal: the page's frame decode, median under 15 ms.
"""
from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import gate_cli, served  # noqa: E402

from scanner.synthetic import Look, gate_frame, ticket_code, webcam_look  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EMPTY_LOOK = Look(blur=0.9, noise=3.0, jpeg=80)
GOAL_MS = 15.0

# Runs in the page: decode each frame `rounds` times three ways, return the milliseconds and what was read.
MEASURE = """async ({ frames, rounds, token }) => {
  const { chooseDecoder, FrameGrabber, readCodes } = await import("/static/js/gate-decoders.js");
  const zxing = await import("/static/vendor/zxing-wasm/reader/index.js");
  const reader = await chooseDecoder();
  if (reader.name !== "wasm") throw new Error(`expected the in-page decoder, got ${reader.name}`);
  const grabber = new FrameGrabber();
  const out = [];
  for (const png of frames) {
    // Bytes, not a data: URL: the page's connect-src allows no fetch of those.
    const blob = new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], { type: "image/png" });
    const bitmap = await createImageBitmap(blob);
    const pixels = grabber.grab(bitmap);
    const row = { frame: [], decode: [], defaults: [], read: [] };
    for (let i = 0; i < rounds; i++) {
      let t = performance.now(); row.read = await reader.detect(bitmap); row.frame.push(performance.now() - t);
      t = performance.now(); await readCodes(zxing, pixels); row.decode.push(performance.now() - t);
      t = performance.now(); await zxing.readBarcodes(pixels, { formats: ["QRCode"] });
      row.defaults.push(performance.now() - t);
    }
    row.server = [];
    for (let i = 0; i < Math.min(rounds, 3); i++) {  // as gate-camera.js snapshot() and gate.js scanFrame()
      const t = performance.now();
      const jpeg = await new Promise((resolve) => grabber.canvas.toBlob(resolve, "image/jpeg", 0.85));
      const form = new FormData();
      form.append("image", jpeg, "frame.jpg");
      const fields = { gate: "north", direction: "in", device: "bench", nonce: `bench-${Math.random()}` };
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      const answer = await fetch("/api/v1/events/bench/scans/frame",
                                 { method: "POST", body: form, headers: { Authorization: `Bearer ${token}` } });
      if (!answer.ok) throw new Error(`/scans/frame answered ${answer.status}: ${await answer.text()}`);
      await answer.json();
      row.server.push(performance.now() - t);
    }
    out.push(row);
  }
  return out;
}"""


def frames(count: int) -> tuple[list[str], list[tuple[str, str]]]:
    """`count` empty frames and `count` frames with a code, as base64 PNG, and the codes shown."""
    rng = np.random.default_rng(720)
    empty = [gate_frame(rng, None, EMPTY_LOOK) for _ in range(count)]
    shown = []
    for _ in range(count):
        text = ticket_code(rng)
        shown.append((gate_frame(rng, text, webcam_look(rng)), text))
    png = lambda image: base64.b64encode(cv2.imencode(".png", image)[1].tobytes()).decode()  # noqa: E731
    return [png(f) for f in empty], [(png(f), text) for f, text in shown]


def gate_for_frames(env: dict) -> str:
    """An event `bench` with gate north, and a gate token for it, as `/scans/frame` needs."""
    gate_cli(env, "event", "create", "--slug", "bench", "--name", "Bench", "--timezone", "UTC",
             "--starts-at", "2020-01-01T00:00:00+00:00", "--ends-at", "2199-01-01T00:00:00+00:00")
    gate_cli(env, "type", "create", "--event", "bench", "--code", "GA", "--name", "General",
             "--capacity", "10", "--badge-type", "General")
    gate_cli(env, "gate", "create", "--event", "bench", "--code", "north", "--name", "North", "--zone", "hall",
             "--admits", "GA")
    return gate_cli(env, "token", "create", "--role", "gate", "--event", "bench").strip()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10, help="frames of each kind (default 10)")
    parser.add_argument("--rounds", type=int, default=10, help="decodes of each frame (default 10)")
    args = parser.parse_args()
    empty, shown = frames(args.frames)
    from playwright.sync_api import sync_playwright

    # The frames' codes are random, so invalid: the server must not hold the bench back as a burst of them.
    no_limit = {"GATE_SCAN_INVALID_LIMIT": "0", "GATE_SCAN_INVALID_ADDRESS_LIMIT": "0"}
    with served(extra_env=no_limit) as (base, env, _pid), sync_playwright() as pw:
        token = gate_for_frames(env)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page()
        page.add_init_script("delete window.BarcodeDetector")
        page.goto(f"http://{base}/")
        run = lambda frames, rounds: page.evaluate(MEASURE, {"frames": frames, "rounds": rounds,  # noqa: E731
                                                             "token": token})
        assert run(empty[:1], 3)  # load and compile, JIT warm-up
        results = {"empty": run(empty, args.rounds), "code": run([png for png, _ in shown], args.rounds)}
        version = page.evaluate("async () => (await import('/static/vendor/zxing-wasm/reader/index.js'))"
                                ".ZXING_WASM_VERSION")
        browser.close()

    read = sum(1 for row, (_, text) in zip(results["code"], shown) if row["read"] == [text])
    wrong = sum(1 for row in results["empty"] if row["read"])
    print(f"zxing-wasm {version} in {CHROMIUM}, 1280x720 frames, {args.frames} of each kind x {args.rounds} rounds"
          f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"codes read: {read}/{len(shown)} frames with a code; empty frames with a false read: {wrong}\n")
    header = ["frame", "path", "median ms", "p95 ms"]
    table = [header]
    for kind, label in (("empty", "empty frame"), ("code", "frame with a code")):
        for key, path in (("frame", "page: canvas copy + decode"), ("decode", "page: decode only"),
                          ("defaults", "zxing defaults: decode only"),
                          ("server", "before: JPEG to /scans/frame")):
            times = [t for row in results[kind] for t in row[key]]
            table.append([label, path, f"{statistics.median(times):.2f}", f"{percentile(times, 0.95):.2f}"])
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for index, line in enumerate(table):
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print()
    for kind in ("empty", "code"):
        median = statistics.median(t for row in results[kind] for t in row["frame"])
        server = statistics.median(t for row in results[kind] for t in row["server"])
        print(f"{kind}: the page reads a frame in {median / server:.2f}x the time the server path took")
    for kind in ("empty", "code"):
        median = statistics.median(t for row in results[kind] for t in row["frame"])
        print(f"{'PASS' if median < GOAL_MS else 'FAIL'}  {kind}: page frame median {median:.2f} ms < {GOAL_MS:.0f} ms")


if __name__ == "__main__":
    main()
