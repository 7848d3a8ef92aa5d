"""What the camera loop tells the gate staff besides the printed log: the window and the sounds.

`Feedback` receives each scan's answer, the station's online state and each
frame from `scanner.client.run`, and every printed line through `note`
(a scan the station could not judge is shown with its line). It passes
them on to the preview window, if any, and to the sounds.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from scanner.sounds import Sounds
from scanner.verdicts import Verdict, group_verdict, verdict_for, verdict_without_answer

__all__ = ["Feedback"]


class Screen(Protocol):
    """What the feedback needs from a window (see `scanner.window.GateWindow`)."""

    def show_frame(self, frame: np.ndarray) -> None: ...

    def show_verdict(self, verdict: Verdict) -> None: ...

    def show_online(self, online: bool) -> None: ...

    def show_hint(self, hint: str | None) -> None: ...


class Feedback:
    """Shows and sounds the verdicts and the going offline and back of one station."""

    def __init__(self, sounds: Sounds | None = None, screen: Screen | None = None) -> None:
        self.sounds, self.screen = sounds or Sounds("off"), screen
        self.online = True
        self.last_line = ""
        self.hint: str | None = None

    def note(self, line: str) -> None:
        """A line the station printed (the text of a refusal or of an unchecked scan)."""
        self.last_line = line

    def state(self, online: bool) -> None:
        """The station's online state, after each scan and tick: acts only on a change."""
        if online == self.online:
            return
        self.online = online
        if self.screen is not None:
            self.screen.show_online(online)
        self.sounds.play("online" if online else "offline")

    def scanned(self, answer: dict[str, Any] | None, online: bool, zone: str | None = None) -> Verdict:
        """A scan the station has just handled: its answer, or None (refused or queued unchecked).

        `zone`: the event's time zone, for the times shown (None while unknown).
        """
        self.state(online)
        if answer is None:
            verdict = verdict_without_answer(self.last_line, online)
        else:
            verdict = verdict_for(answer, offline=not online, zone=zone)
        if self.screen is not None:
            self.screen.show_verdict(verdict)
        self.sounds.play(verdict.tone, verdict.spoken)
        return verdict

    def scanned_group(self, answers: list[dict[str, Any] | None], online: bool) -> Verdict:
        """Several codes from one frame, each judged: one verdict for the group."""
        self.state(online)
        verdict = group_verdict(answers, offline=not online)
        if self.screen is not None:
            self.screen.show_verdict(verdict)
        self.sounds.play(verdict.tone, f"{verdict.word.lower()} {verdict.message}")
        return verdict

    def frame(self, frame: np.ndarray, hint: str | None = None) -> None:
        """A frame the loop has read, for the preview, and the reader's hint for it (None: no hint)."""
        if self.screen is not None:
            self.screen.show_frame(frame)
            if hint != self.hint:
                self.screen.show_hint(hint)
        self.hint = hint
