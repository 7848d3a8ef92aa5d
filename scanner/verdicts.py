"""What the gate staff see and hear for one scan: a word, a colour, the holder.

The station's answers (the server's, or judged here offline) are turned
into a `Verdict` that the preview window shows in big letters and the
sounds play: green `ok` for someone let in (or out), orange `warn` for a
ticket already used (a duplicate, a re-read of the same scan, a conflict
flagged later), red `refused` for every other refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from scanner.clock import answer_time

__all__ = ["COLOURS", "READY", "Verdict", "group_summary", "group_verdict", "verdict_for", "verdict_without_answer"]

# Background colours of the result panel, chosen to read from a few metres away.
COLOURS = {
    "ok": "#1b8a2f",
    "warn": "#e07b00",
    "refused": "#c62828",
    "ready": "#263238",
    "offline": "#546e8a",  # the grey-blue of the OFFLINE banner
}
# Orange rather than red: the ticket is real, it has just been used already.
_WARN_REASONS = {"duplicate"}


@dataclass(frozen=True)
class Verdict:
    """One judged scan as shown: `tone` is ok, warn or refused (or ready for the idle panel)."""

    tone: str
    word: str
    message: str = ""
    holder: str = ""
    kind: str = ""
    detail: str = ""

    @property
    def colour(self) -> str:
        """The panel's background colour for this verdict."""
        return COLOURS[self.tone]

    @property
    def spoken(self) -> str:
        """What `--sound speak` says: the word and the holder's name."""
        return f"{self.word.lower()}. {self.holder}".strip(". ")


READY = Verdict("ready", "READY", "Show the ticket's QR code to the camera")


def verdict_for(answer: dict[str, Any], offline: bool = False, zone: str | None = None,
                now: datetime | None = None) -> Verdict:
    """The verdict for one answer of the station (the server's, or its own when `offline`).

    Times are on the event's clock (`zone`, from the gate pack), dated when not `now`'s day.
    """
    ticket = answer.get("ticket") or {}
    holder = (ticket.get("holder") or {}).get("name") or ""
    kind_part = ticket.get("type") or {}
    kind = kind_part.get("name") or kind_part.get("code") or ""
    reason = answer.get("reason") or ""
    if answer.get("conflict"):
        tone, word = "warn", "CONFLICT"
    elif reason in _WARN_REASONS:
        tone, word = "warn", reason.upper()
    elif answer.get("status") == "ok":
        tone, word = ("warn", "ALREADY SCANNED") if answer.get("repeat") else ("ok", "OK")
    else:
        tone, word = "refused", (reason or str(answer.get("status") or "refused")).replace("_", " ").upper()
    detail = _first_entry(answer, zone, now or datetime.now(timezone.utc)) if tone == "warn" else ""
    if offline:
        detail = " - ".join(part for part in (detail, "judged offline") if part)
    return Verdict(tone, word, str(answer.get("message") or ""), holder, kind, detail)


def verdict_without_answer(line: str, online: bool) -> Verdict:
    """A scan the station could not judge: refused by the server, or queued unchecked offline."""
    if not online and "NOT CHECKED" in line:
        return Verdict("warn", "NOT CHECKED", "No gate pack: follow the offline rules", detail="queued for the server")
    text = " ".join(line.split()[2:]) if line.startswith("REFUSED") else line
    return Verdict("refused", "REFUSED", text)


def group_summary(answers: list[dict[str, Any] | None]) -> str:
    """One line for the codes of one frame: '4 of 5 admitted - 1 already in: Ada Lovelace'.

    An answer of None is a scan the station could not judge (refused, or queued unchecked).
    """
    others = _not_admitted(answers)
    summary = f"{sum(map(_admitted, answers))} of {len(answers)} admitted"
    return f"{summary} - {others}" if others else summary


def group_verdict(answers: list[dict[str, Any] | None], offline: bool = False) -> Verdict:
    """The verdict for several codes judged from one frame: green if all got in, orange if the
    others were only used already, red if any was refused."""
    admitted = sum(map(_admitted, answers))
    used = sum(not _admitted(a) and _group_reason(a) in _USED for a in answers)
    tone = "ok" if admitted == len(answers) else "warn" if admitted + used == len(answers) else "refused"
    detail = _not_admitted(answers)
    if offline:
        detail = " - ".join(part for part in (detail, "judged offline") if part)
    return Verdict(tone, f"{admitted} OF {len(answers)}", "admitted", detail=detail)


def _not_admitted(answers: list[dict[str, Any] | None]) -> str:
    """'1 already in: Ada Lovelace; 1 invalid': the codes of a group not admitted, by reason."""
    holders: dict[str, list[str]] = {}
    for answer in answers:
        if not _admitted(answer):
            holders.setdefault(_group_reason(answer), []).append(_holder(answer))
    parts = []
    for reason, names in holders.items():
        named = ", ".join(name for name in names if name)
        parts.append(f"{len(names)} {reason}" + (f": {named}" if named else ""))
    return "; ".join(parts)


# Codes of real tickets that were only used already: orange, not red.
_USED = ("already in", "already scanned", "conflict")


def _admitted(answer: dict[str, Any] | None) -> bool:
    return bool(answer) and answer.get("status") == "ok" and not answer.get("repeat") and not answer.get("conflict")


def _group_reason(answer: dict[str, Any] | None) -> str:
    """How a group line names what happened to a code not admitted."""
    if answer is None:
        return "not judged"
    if answer.get("conflict"):
        return "conflict"
    if answer.get("status") == "ok":
        return "already scanned"
    reason = answer.get("reason") or str(answer.get("status") or "refused")
    return "already in" if reason in _WARN_REASONS else reason.replace("_", " ")


def _holder(answer: dict[str, Any] | None) -> str:
    return (((answer or {}).get("ticket") or {}).get("holder") or {}).get("name") or ""


def _first_entry(answer: dict[str, Any], zone: str | None, now: datetime) -> str:
    """'First entry 10:42 at North' for a duplicate, from the server's `first_entry`."""
    first = answer.get("first_entry") or {}
    if not first.get("at"):
        return ""
    where = first.get("gate_name") or first.get("gate")
    return f"First entry {answer_time(first['at'], zone, now)}" + (f" at {where}" if where else "")
