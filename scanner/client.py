"""`gate-scan`: the gate client, a camera loop that reads tickets and asks the server.

    gate-scan --server URL --token T --gate CODE --event SLUG
              [--camera 0 | --video FILE | --images DIR]
              [--window | --no-window] [--sound beep|speak|off]

Each ticket coming into view is read once (see `scanner.reader.FrameReader`),
sent to the server, and its judgement printed on one line: status, reason,
holder, ticket type, message. Several tickets in one frame (a group's codes
on one sheet) are each judged once, and a GROUP line and the window sum
them up: "4 of 5 admitted - 1 already in: Name". At start, and every `--pack-every` seconds
while online, the client brings its gate pack up to date (keys, tickets,
rules; kept on disk beside the queue). Without the server it goes offline
loudly, judges each code itself from the pack (lines marked OFFLINE), queues
the scans in a small SQLite file and uploads them once the server is back,
printing any conflict it flags (see `scanner.station`). The token may come
from `GATE_TOKEN` instead of the command line, where other users of the
machine could see it.

With a display (DISPLAY or WAYLAND_DISPLAY set, or `--window`) a preview
window shows the camera and each verdict in big letters (`scanner.window`);
the camera loop then runs on its own thread. `--sound` beeps or speaks each
verdict and the going offline and back (`scanner.sounds`). The printed
lines stay the log either way.
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scanner.backends import get_decoder
from scanner.feedback import Feedback
from scanner.gate_pack import GatePack, pack_path
from scanner.outbox import Outbox
from scanner.reader import FrameReader
from scanner.remote import GateServer
from scanner.sounds import MODES, Sounds
from scanner.sources import camera_frames, image_frames, video_frames
from scanner.station import Station

if TYPE_CHECKING:  # Tk is only loaded when a window is shown
    from scanner.window import GateWindow

__all__ = ["main", "run"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line; exit with a usage message if it is wrong."""
    parser = argparse.ArgumentParser(prog="gate-scan", description="Scan QR tickets at a gate.")
    parser.add_argument("--server", required=True, help="the gate server, e.g. https://gate.example.org")
    parser.add_argument("--token", default=os.environ.get("GATE_TOKEN"), help="a gate token (default: $GATE_TOKEN)")
    parser.add_argument("--gate", required=True, help="the gate code, e.g. HALL-A")
    parser.add_argument("--event", required=True, help="the event slug")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, default=None, metavar="INDEX", help="camera number (default 0)")
    source.add_argument("--video", type=Path, help="read frames from a video file")
    source.add_argument("--images", type=Path, metavar="DIR", help="read each image of a folder as a frame")
    parser.add_argument("--direction", choices=["in", "out"], help="scan entries or exits (default: the gate's)")
    parser.add_argument("--device", default=_default_device(), help="name of this device, sent with each scan")
    parser.add_argument("--queue", type=Path, help="the offline queue file (default: in the user's data folder)")
    parser.add_argument("--decoder", choices=["zbar", "zxing"], help="QR decoder (default: $GATE_DECODER or zbar)")
    parser.add_argument("--repeat-after", type=float, default=3.0, metavar="SECONDS",
                        help="a code out of view this long is sent again when it comes back (default 3)")
    parser.add_argument("--retry-every", type=float, default=10.0, metavar="SECONDS",
                        help="while offline, how often to try sending the queue (default 10)")
    parser.add_argument("--pack-every", type=float, default=30.0, metavar="SECONDS",
                        help="while online, how often to fetch what changed in the gate pack (default 30)")
    parser.add_argument("--window", action=argparse.BooleanOptionalAction, default=None,
                        help="show the preview window (default: when a display is present)")
    parser.add_argument("--sound", choices=MODES, default="off", help="beep or speak each verdict (default off)")
    parser.add_argument("--hold", type=float, default=3.0, metavar="SECONDS",
                        help="how long the window shows a verdict before READY again (default 3)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("a token is needed: --token or $GATE_TOKEN")
    if args.repeat_after < 0 or args.retry_every <= 0 or args.pack_every <= 0 or args.hold <= 0:
        parser.error("--repeat-after must be >= 0, --retry-every, --pack-every and --hold > 0")
    return args


def _default_device() -> str:
    return f"gate-scan@{socket.gethostname()}"[:64]


def default_queue(event: str, gate: str) -> Path:
    """Where the offline queue lives unless told otherwise: one file per event and gate."""
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{event}-{gate}")
    return data / "gate-scan" / f"{safe}.sqlite3"


def frames_for(args: argparse.Namespace) -> Iterable[np.ndarray]:
    """The frame source the command line asks for; the first camera by default."""
    if args.video is not None:
        return video_frames(args.video)
    if args.images is not None:
        return image_frames(args.images)
    return camera_frames(args.camera if args.camera is not None else 0)


def wants_window(args: argparse.Namespace, env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether to show the preview window: as asked, else when a display is present."""
    if args.window is not None:
        return bool(args.window)
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def run(frames: Iterable[np.ndarray], reader: FrameReader, station: Station, feedback: Feedback | None = None,
        stop: threading.Event | None = None) -> None:
    """The loop: read each frame, send each new code, retry the queue when due; ends early on `stop`."""
    feedback = feedback or Feedback()
    feedback.state(station.online)
    for frame in frames:
        if stop is not None and stop.is_set():
            return  # closed by the staff: the queue stays on disk for the next start
        codes = reader.read(frame)
        if len(codes) == 1:
            feedback.scanned(station.scan(codes[0]), station.online, station.zone)
        elif codes:
            # A group's tickets shown together: each judged once, then one verdict for all.
            feedback.scanned_group(station.scan_group(codes), station.online)
        station.tick()
        feedback.state(station.online)
        feedback.frame(frame, reader.hint)
    # The input has ended (a video, a folder): one last try for the queue.
    if len(station.outbox):
        station.flush()
        feedback.state(station.online)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `gate-scan`; returns the exit status."""
    args = parse_args(argv)
    try:
        decoder = get_decoder(args.decoder)
        server = GateServer(args.server, args.token, args.event)
    except (RuntimeError, ValueError) as exc:
        print(f"gate-scan: {exc}", file=sys.stderr)
        return 2
    queue = args.queue or default_queue(args.event, args.gate)
    try:
        outbox = Outbox(queue)
    except (OSError, sqlite3.Error) as exc:
        print(f"gate-scan: cannot open the queue {queue}: {exc}", file=sys.stderr)
        return 2
    try:
        pack = GatePack(pack_path(queue))
    except (OSError, sqlite3.Error) as exc:
        outbox.close()
        print(f"gate-scan: cannot open the gate pack {pack_path(queue)}: {exc}", file=sys.stderr)
        return 2
    sounds = Sounds(args.sound, warn=_err)
    feedback = Feedback(sounds)
    show, alarm = _tee(_out, feedback), _tee(_err, feedback)
    with outbox, pack:
        station = Station(server, outbox, args.gate, args.device, args.direction, retry_every=args.retry_every,
                          show=show, alarm=alarm, pack=pack, refresh_every=args.pack_every)
        # Photos in a folder are stills: each gets the decoder's full-size read, whatever the budget.
        reader = FrameReader(decoder=decoder, forget_after=args.repeat_after, still=args.images is not None)
        _err(f"gate-scan: gate {args.gate} of {args.event} at {args.server}, decoder {decoder.name}, "
             f"queue {queue} ({len(outbox)} waiting)")
        try:
            station.start()
            window = _open_window(args, feedback) if wants_window(args) else None
            if window is None:
                run(frames_for(args), reader, station, feedback)
            else:
                _run_with_window(window, lambda stop: run(frames_for(args), reader, station, feedback, stop))
        except OSError as exc:
            _err(f"gate-scan: {exc}")
            return 2
        except KeyboardInterrupt:
            _err("gate-scan: stopped")
        finally:
            server.close()
            sounds.close()
            _err(f"gate-scan: {station.sent} scans judged, {len(outbox)} still queued in {queue}")
    return 0


def _open_window(args: argparse.Namespace, feedback: Feedback) -> GateWindow | None:
    """The preview window, shown by `feedback`; None (and one line why) if Tk cannot open one."""
    try:
        from scanner.window import GateWindow, TclError
        window = GateWindow(threading.Event(), hold=args.hold, title=f"gate-scan {args.gate}")
    except (ImportError, TclError) as exc:
        _err(f"gate-scan: no preview window ({str(exc).splitlines()[0]}); printing only")
        return None
    feedback.screen = window
    return window


def _run_with_window(window: GateWindow, loop: Callable[[threading.Event], None]) -> None:
    """The camera loop on its own thread, the window on this one (Tk's); errors of the loop raised here."""
    failed: list[BaseException] = []

    def camera() -> None:
        try:
            loop(window.stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            failed.append(exc)
        finally:
            window.finished()

    worker = threading.Thread(target=camera, name="gate-scan camera", daemon=True)
    worker.start()
    try:
        window.run()
    finally:
        if window.root is not None:
            window.close()  # an interrupt left Tk's loop with the window still open
        window.stop.set()
        worker.join()
    if failed:
        raise failed[0]


def _tee(printer: Callable[[str], None], feedback: Feedback) -> Callable[[str], None]:
    """Print a line, and let the feedback know it (the text of a refusal, for the window)."""

    def both(line: str) -> None:
        printer(line)
        feedback.note(line)
    return both


def _out(line: str) -> None:
    print(line, flush=True)


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
