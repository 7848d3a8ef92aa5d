"""`gate-scan --sound beep|speak|off`: hear the verdict without looking.

beep plays a short tone pattern per outcome (one high tone: ok; two middle
ones: already used; three low ones: refused; a falling sweep: gone offline;
a rising one: back online) through `paplay` or `aplay`, else rings the
terminal bell that many times. speak says the word and the holder's name
through `espeak-ng` or `espeak`. Every sound is a background process, never
waited for: a scan result is skipped while the previous sound still plays,
a change of state (offline, online) always plays. A missing tool is said
once, on one line, and the client goes on silently (or with the bell).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import wave
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["MODES", "TONES", "Sounds", "tone_wav"]

MODES = ("off", "beep", "speak")
RATE = 22050
# (frequency Hz, milliseconds) per note, a 60 ms pause between notes.
TONES: dict[str, list[tuple[float, int]]] = {
    "ok": [(1320, 140)],
    "warn": [(660, 120), (660, 120)],
    "refused": [(330, 160), (330, 160), (330, 160)],
    "offline": [(880, 180), (660, 180), (440, 180), (330, 300)],
    "online": [(440, 140), (660, 140), (880, 140), (1320, 220)],
}
SPOKEN_STATE = {"offline": "gate offline. judging here.", "online": "gate back online."}
PLAYERS = ("paplay", "aplay")
SPEAKERS = ("espeak-ng", "espeak")
STATES = ("offline", "online")


def tone_wav(notes: Sequence[tuple[float, int]]) -> bytes:
    """A mono 16-bit WAV of the notes, each faded in and out so it does not click."""
    parts = []
    for frequency, ms in notes:
        t = np.arange(int(RATE * ms / 1000)) / RATE
        fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
        parts += [0.5 * np.sin(2 * np.pi * frequency * t) * fade, np.zeros(int(RATE * 0.06))]
    samples = (np.concatenate(parts) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


class Sounds:
    """Plays the sound of each outcome (ok, warn, refused, offline, online) in the chosen mode."""

    def __init__(
        self,
        mode: str = "off",
        which: Callable[[str], str | None] = shutil.which,
        spawn: Callable[[list[str]], subprocess.Popen] | None = None,
        warn: Callable[[str], None] | None = None,
        bell: Callable[[int], None] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown sound mode {mode!r}: one of {', '.join(MODES)}")
        self.mode, self.spawn = mode, spawn or _spawn
        self.warn = warn or (lambda line: print(line, file=sys.stderr, flush=True))
        self.bell = bell or _ring
        self.tool = self._find(which)
        self._running: list[subprocess.Popen] = []  # kept until they end: never dropped while playing
        self._folder: Path | None = None
        self._cleanup: weakref.finalize | None = None

    def _find(self, which: Callable[[str], str | None]) -> str | None:
        tools = PLAYERS if self.mode == "beep" else SPEAKERS if self.mode == "speak" else ()
        found = next((path for path in map(which, tools) if path), None)
        if tools and found is None:
            fallback = "ringing the terminal bell instead" if self.mode == "beep" else "staying silent"
            self.warn(f"gate-scan: --sound {self.mode} needs {' or '.join(tools)} on PATH; {fallback}")
        return found

    def command_for(self, outcome: str, text: str = "") -> list[str] | None:
        """The command that plays `outcome` (None: the bell, or nothing); `text` is what speak says."""
        if self.tool is None:
            return None
        if self.mode == "speak":
            return [self.tool, "-s", "165", SPOKEN_STATE.get(outcome) or text or outcome]
        player = Path(self.tool).name
        return [self.tool, *(["-q"] if player == "aplay" else []), str(self._tone_file(outcome))]

    def play(self, outcome: str, text: str = "") -> bool:
        """Start the sound of `outcome` without waiting for it; False if skipped or silent."""
        if self.mode == "off":
            return False
        self._running = [process for process in self._running if process.poll() is None]
        if self._running and outcome not in STATES:
            return False  # the previous verdict still sounds; the next scan will have its own
        command = self.command_for(outcome, text)
        if command is None:
            if self.mode == "beep":
                self.bell(len(TONES[outcome]))
            return self.mode == "beep"
        try:
            self._running.append(self.spawn(command))
        except OSError as exc:
            self.warn(f"gate-scan: cannot play a sound with {command[0]}: {exc}; going silent")
            self.mode = "off"
            return False
        return True

    def close(self) -> None:
        """Remove the tone files (a sound still playing finishes on its own)."""
        if self._cleanup is not None:
            self._cleanup()
            self._folder = self._cleanup = None

    def _tone_file(self, outcome: str) -> Path:
        if self._folder is None:
            # Removed by close(), or when this object goes, whichever comes first.
            self._folder = Path(tempfile.mkdtemp(prefix="gate-scan-tones-"))
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._folder, True)
        path = self._folder / f"{outcome}.wav"
        if not path.exists():
            path.write_bytes(tone_wav(TONES[outcome]))
        return path


def _spawn(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _ring(times: int) -> None:
    # The bell goes to stderr: stdout is the log of verdicts.
    print("\a" * times, end="", file=sys.stderr, flush=True)
