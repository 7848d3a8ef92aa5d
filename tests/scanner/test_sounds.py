"""`--sound`: which command plays which outcome, and what a verdict looks like; no audio device needed."""

from __future__ import annotations

import io
import wave
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from scanner.client import parse_args, wants_window
from scanner.feedback import Feedback
from scanner.sounds import TONES, Sounds
from scanner.verdicts import COLOURS, Verdict, verdict_for, verdict_without_answer

ADA = {"holder": {"name": "Ada Lovelace"}, "type": {"code": "VIP", "name": "VIP pass"}}
OK = {"status": "ok", "reason": None, "message": "Welcome!", "repeat": False, "ticket": ADA}
DUPLICATE = {"status": "refused", "reason": "duplicate", "message": "Already inside", "ticket": ADA,
             "first_entry": {"at": "2026-05-01T10:42:07+00:00", "gate": "north", "gate_name": "North"}}
VOID = {"status": "refused", "reason": "void", "message": "Ticket cancelled - send to the box office",
        "ticket": ADA}
ARGS = ["--server", "https://gate.example.org", "--token", "t", "--gate", "A", "--event", "e"]


class FakeProcess:
    """A sound still playing until `done` is set."""

    def __init__(self, command: list[str]) -> None:
        self.command, self.done = command, False

    def poll(self) -> int | None:
        return 0 if self.done else None


class Recorder:
    """Tools found on a pretend PATH; commands started, warnings and bells noted."""

    def __init__(self, *tools: str) -> None:
        self.tools = set(tools)
        self.started: list[FakeProcess] = []
        self.warnings: list[str] = []
        self.bells: list[int] = []

    def sounds(self, mode: str) -> Sounds:
        return Sounds(mode, which=lambda name: f"/usr/bin/{name}" if name in self.tools else None,
                      spawn=self.spawn, warn=self.warnings.append, bell=self.bells.append)

    def spawn(self, command: list[str]) -> Any:
        self.started.append(FakeProcess(command))
        return self.started[-1]


def test_beep_plays_a_tone_file_per_outcome_with_paplay() -> None:
    made = Recorder("paplay", "aplay").sounds("beep")
    commands = {outcome: made.command_for(outcome) for outcome in TONES}
    assert all(command[0] == "/usr/bin/paplay" for command in commands.values())
    lengths = {}
    for outcome, command in commands.items():
        with wave.open(io.BytesIO(Path(command[-1]).read_bytes())) as wav:
            assert wav.getnchannels() == 1 and wav.getframerate() == 22050
            lengths[outcome] = wav.getnframes()
    # Distinct patterns: a scan result never sounds like going offline or coming back.
    assert len(set(lengths.values())) == len(TONES)
    assert TONES["offline"] != TONES["online"] and TONES["offline"][0][0] > TONES["offline"][-1][0]
    folder = Path(commands["ok"][-1]).parent
    made.close()
    assert not folder.exists()


def test_beep_falls_back_to_aplay_then_to_the_bell() -> None:
    with_aplay = Recorder("aplay")
    assert with_aplay.sounds("beep").command_for("refused")[:2] == ["/usr/bin/aplay", "-q"]
    assert not with_aplay.warnings
    bare = Recorder()
    sounds = bare.sounds("beep")
    assert bare.warnings == ["gate-scan: --sound beep needs paplay or aplay on PATH; ringing the terminal bell instead"]
    assert sounds.play("refused") and sounds.play("ok")
    assert bare.bells == [3, 1] and not bare.started


def test_speak_says_the_word_and_the_name_with_espeak_ng_first() -> None:
    made = Recorder("espeak", "espeak-ng")
    sounds = made.sounds("speak")
    verdict = verdict_for(OK)
    assert sounds.play(verdict.tone, verdict.spoken)
    assert made.started[0].command == ["/usr/bin/espeak-ng", "-s", "165", "ok. Ada Lovelace"]
    assert Recorder("espeak").sounds("speak").command_for("refused", "void. Ada")[0] == "/usr/bin/espeak"
    assert "offline" in sounds.command_for("offline", "ignored")[-1]
    assert sounds.command_for("online")[-1] != sounds.command_for("offline")[-1]


def test_a_missing_espeak_is_one_warning_and_silence() -> None:
    made = Recorder("aplay")
    sounds = made.sounds("speak")
    assert made.warnings == ["gate-scan: --sound speak needs espeak-ng or espeak on PATH; staying silent"]
    assert not sounds.play("ok", "ok. Ada") and not sounds.play("offline")
    assert not made.started and not made.bells and len(made.warnings) == 1


def test_a_scan_sound_is_skipped_while_the_last_plays_but_a_state_change_is_not() -> None:
    made = Recorder("espeak-ng")
    sounds = made.sounds("speak")
    assert sounds.play("ok", "ok. Ada")
    assert not sounds.play("refused", "void. Bob"), "the previous utterance is still running"
    assert sounds.play("offline")
    made.started[0].done = made.started[1].done = True
    assert sounds.play("warn", "duplicate. Ada")
    assert [p.command[-1] for p in made.started] == ["ok. Ada", "gate offline. judging here.", "duplicate. Ada"]


def test_off_plays_nothing_and_looks_for_nothing() -> None:
    made = Recorder()
    sounds = made.sounds("off")
    assert not sounds.play("ok") and sounds.command_for("ok") is None
    assert not made.warnings and not made.bells
    with pytest.raises(ValueError, match="sound mode"):
        Sounds("loud")


def test_verdicts_colour_by_outcome() -> None:
    same_day = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    ok, duplicate, void = verdict_for(OK), verdict_for(DUPLICATE, now=same_day), verdict_for(VOID)
    assert (ok.word, ok.colour, ok.holder, ok.kind, ok.message) == ("OK", COLOURS["ok"], "Ada Lovelace",
                                                                    "VIP pass", "Welcome!")
    assert (duplicate.word, duplicate.tone, duplicate.detail) == ("DUPLICATE", "warn",
                                                                  "First entry 10:42 UTC at North")
    assert (void.word, void.tone, void.detail) == ("VOID", "refused", "")
    assert verdict_for({**OK, "repeat": True}).tone == "warn"
    assert verdict_for({**OK, "reason": "not_admitted", "status": "refused"}).word == "NOT ADMITTED"
    assert verdict_for(OK, offline=True).detail == "judged offline"
    refused = verdict_without_answer("REFUSED  ABC  403: This token may only scan at its own gate", online=True)
    assert (refused.word, refused.tone, refused.message) == ("REFUSED", "refused",
                                                             "403: This token may only scan at its own gate")
    unchecked = verdict_without_answer("OFFLINE  queued  ABC  NOT CHECKED: no gate pack", online=False)
    assert (unchecked.word, unchecked.tone) == ("NOT CHECKED", "warn")


class Screen:
    def __init__(self) -> None:
        self.shown: list[Any] = []

    def show_frame(self, frame: Any) -> None:
        pass

    def show_verdict(self, verdict: Verdict) -> None:
        self.shown.append(verdict.word)

    def show_online(self, online: bool) -> None:
        self.shown.append("online" if online else "offline")


def test_feedback_shows_and_sounds_each_verdict_and_each_change_of_state_once() -> None:
    made, screen = Recorder("paplay"), Screen()
    feedback = Feedback(made.sounds("beep"), screen)
    feedback.scanned(OK, online=True)
    made.started[-1].done = True
    feedback.state(False)
    feedback.state(False)
    feedback.note("OFFLINE  queued  ABC  NOT CHECKED: no gate pack")
    feedback.scanned(None, online=False)
    feedback.state(True)
    assert screen.shown == ["OK", "offline", "NOT CHECKED", "online"]
    played = [Path(p.command[-1]).stem for p in made.started]
    assert played == ["ok", "offline", "online"], "the unchecked scan was skipped: the offline sweep still played"


def test_the_window_opens_with_a_display_unless_told_otherwise() -> None:
    assert wants_window(parse_args(ARGS), {"DISPLAY": ":0"})
    assert wants_window(parse_args(ARGS), {"WAYLAND_DISPLAY": "wayland-0"})
    assert not wants_window(parse_args(ARGS), {})
    assert not wants_window(parse_args([*ARGS, "--no-window"]), {"DISPLAY": ":0"})
    assert wants_window(parse_args([*ARGS, "--window"]), {})
    assert parse_args(ARGS).sound == "off" and parse_args([*ARGS, "--sound", "speak"]).sound == "speak"


def test_a_first_entry_shows_on_the_events_clock_dated_when_not_today() -> None:
    """The window's detail writes times as the gate's message does: the event's zone, the date if another day."""
    may_1, may_2 = (datetime(2026, 5, day, 12, 0, tzinfo=timezone.utc) for day in (1, 2))
    assert verdict_for(DUPLICATE, zone="Asia/Kolkata", now=may_1).detail == "First entry 16:12 at North"
    assert verdict_for(DUPLICATE, zone="Asia/Kolkata", now=may_2).detail == "First entry Fri 1 May 16:12 at North"
    # Without a gate pack the zone is unknown: UTC, said so, never this machine's zone unlabelled.
    assert verdict_for(DUPLICATE, now=may_2).detail == "First entry Fri 1 May 10:42 UTC at North"
