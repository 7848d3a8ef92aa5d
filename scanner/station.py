"""A gate's scanning station: every code read goes to the server, or is judged here.

Online, each new code is sent at once and the judgement printed as one line,
and the gate pack (`scanner.gate_pack`) is kept fresh every `refresh_every`
seconds with only what changed. When the server cannot be reached the
station says so loudly and judges each code itself from the pack
(`scanner.local_judge`), printing the verdict marked OFFLINE, and queues the
scan (marked `offline`, with its own nonce and time) in the outbox. Every
`retry_every` seconds it tries the server again; the first call that gets
through says so loudly and sends the queue as batches, once (a resent nonce
gets the first answer back), printing each late judgement and every conflict
the server flags (let in here offline, already in by another gate). Without
a pack yet, offline scans are queued NOT CHECKED. Refusals (a wrong token, an
unknown gate) are printed, never queued: no retry would change them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from scanner.clock import answer_time
from scanner.gate_pack import GatePack
from scanner.local_judge import WrongDirection, direction_at, judge_here, remember_answer
from scanner.outbox import Outbox
from scanner.remote import Offline, Refused
from scanner.verdicts import group_summary

__all__ = ["Station", "result_line"]

BATCH_SIZE = 100
# A queued scan also keeps this gate's offline verdict (never sent), so a conflict
# on a scan the gate itself refused is not reported as someone let in twice.
VERDICT = "local_verdict"
Print = Callable[[str], None]


class Server(Protocol):
    """What the station needs from the server (see `scanner.remote.GateServer`)."""

    def scan(self, scan: dict[str, Any]) -> dict[str, Any]:
        """Judge one scan."""
        ...

    def batch(self, scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Judge scans made offline, one answer each."""
        ...

    def gate_pack(self, gate: str, since: int = 0, etag: str | None = None) -> dict[str, Any] | None:
        """What the gate needs to judge offline (only used with a pack); None: the pack tagged `etag` is current."""
        ...


class Station:
    """Sends scans of one gate, judges and queues them while offline, and retries the queue."""

    def __init__(
        self,
        server: Server,
        outbox: Outbox,
        gate: str,
        device: str,
        direction: str | None = None,
        retry_every: float = 10.0,
        show: Print = print,
        alarm: Print = print,
        clock: Callable[[], float] = time.monotonic,
        pack: GatePack | None = None,
        refresh_every: float = 30.0,
    ) -> None:
        self.server, self.outbox, self.pack = server, outbox, pack
        self.gate, self.device, self.direction = gate, device, direction
        self.retry_every, self.refresh_every = retry_every, refresh_every
        self.show, self.alarm, self.clock = show, alarm, clock
        self.online = True
        self.sent = 0
        # Anything already queued (from an earlier run) is due at once, and so is the pack.
        self._next_retry = self._next_refresh = clock()
        self._pack_refused = False

    @property
    def zone(self) -> str | None:
        """The event's time zone, from the gate pack; None until a pack is loaded."""
        return self.pack.gate.get("timezone") if self.pack is not None and self.pack.loaded else None

    def start(self) -> None:
        """Before the first scan: bring the pack up to date, or go offline if the server is away."""
        if self.pack is not None:
            self.refresh_pack()

    def scan(self, code: str) -> dict[str, Any] | None:
        """Judge a newly read code (by the server, else here); None if queued unchecked or refused."""
        scan = self._new_scan(code)
        if self.online and len(self.outbox):
            # Older scans go first, so the server sees them in the order they happened.
            self.flush()
        if self.online and not len(self.outbox):
            try:
                answer = self.server.scan(scan)
            except Offline as exc:
                self._go_offline(str(exc))
            except Refused as exc:
                self.alarm(f"REFUSED  {code[:24]}  {exc.status}: {exc.detail}")
                return None
            else:
                self.sent += 1
                self._remember(code, answer)
                self.show(result_line(answer))
                return answer
        return self._judge_offline(scan)

    def scan_group(self, codes: list[str]) -> list[dict[str, Any] | None]:
        """Judge the codes read from one frame, each once; several get one more line, the group's."""
        answers = [self.scan(code) for code in codes]
        if len(codes) > 1:
            prefix = "OFFLINE " if not self.online else ""
            self.show(f"{prefix}GROUP    {group_summary(answers)}")
        return answers

    def tick(self) -> None:
        """Between frames: try the server again, send the queue or refresh the pack when due."""
        now = self.clock()
        if not self.online:
            if now >= self._next_retry and len(self.outbox):
                self.flush()
            elif now >= self._next_retry and self.pack is not None:
                self.refresh_pack()
            return
        if len(self.outbox) and now >= self._next_retry:
            self.flush()
        if self.online and self.pack is not None and now >= self._next_refresh:
            self.refresh_pack()

    def refresh_pack(self) -> bool:
        """Fetch what changed since the pack's cursor (all of it the first time); False if that failed."""
        assert self.pack is not None
        self._next_refresh = self.clock() + self.refresh_every
        try:
            fresh = self.server.gate_pack(self.gate, self.pack.cursor, self.pack.etag)
            if fresh is None:
                self.pack.confirm()
            else:
                self.pack.apply(fresh)
        except Offline as exc:
            self._go_offline(str(exc))
            return False
        except (Refused, ValueError) as exc:
            self._come_online()  # the server answered, it just will not give this pack
            if not self._pack_refused:
                self._pack_refused = True
                self.alarm(f"no gate pack ({exc}): offline judging uses the pack from before, if any")
            return False
        self._come_online()
        return True

    def flush(self) -> None:
        """Send queued scans now, batch after batch, until the queue is empty or the server fails."""
        self._next_retry = self.clock() + self.retry_every
        uploaded = conflicts = 0
        while queued := self.outbox.oldest(BATCH_SIZE):
            try:
                answers = self.server.batch([_wire(scan) for scan in queued])
            except Offline as exc:
                self._go_offline(str(exc))
                break
            except Refused as exc:
                # One bad scan must not block the queue: send them one by one.
                self.alarm(f"the server refused the batch ({exc.status}: {exc.detail}); sending one by one")
                if not self._send_singly(queued):
                    break
                continue
            self._come_online()
            self._settle(queued, answers)
            uploaded += len(queued)
            conflicts += sum(_let_in_twice(scan, answer) for scan, answer in zip(queued, answers))
        if uploaded:
            self.alarm(f"*** {uploaded} offline scans uploaded, {conflicts} conflicts, "
                       f"{len(self.outbox)} still queued ***")

    def _settle(self, queued: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
        self.outbox.remove(scan["nonce"] for scan in queued)
        self.sent += len(queued)
        for scan, answer in zip(queued, answers):
            self._remember(scan["code"], answer)
            self.show(result_line(answer, late=True))
            if _let_in_twice(scan, answer):
                self.alarm(f"*** CONFLICT: {_conflict_text(answer, self.zone)} - tell a supervisor ***")
            elif answer.get("conflict"):
                self.alarm(f"conflict flagged for {_holder(answer)}, but this gate refused that scan offline "
                           f"({scan.get(VERDICT)}): nobody got in twice")

    def _send_singly(self, queued: list[dict[str, Any]]) -> bool:
        """Send scans one at a time, dropping those refused; False if the server failed."""
        for scan in queued:
            try:
                answer = self.server.scan(_wire(scan))
            except Offline as exc:
                self._go_offline(str(exc))
                return False
            except Refused as exc:
                self.alarm(f"REJECTED {scan['code'][:24]}  {exc.status}: {exc.detail}  (dropped from the queue)")
                self.outbox.remove([scan["nonce"]])
                continue
            self._come_online()
            self._settle([scan], [answer])
        return True

    def _judge_offline(self, scan: dict[str, Any]) -> dict[str, Any] | None:
        """Judge from the pack, queue the scan for the server, print the verdict marked OFFLINE."""
        if self.pack is None or not self.pack.loaded:
            self.outbox.put({**scan, "offline": True, VERDICT: "unchecked"})
            self.show(f"OFFLINE  queued       {scan['code'][:24]:<24}  NOT CHECKED: no gate pack, follow the "
                      f"offline rules ({len(self.outbox)} waiting)")
            return None
        try:
            direction = direction_at(self.pack.gate, self.direction)
        except WrongDirection as exc:
            self.alarm(f"REFUSED  {scan['code'][:24]}  {exc}")
            return None
        answer = judge_here(self.pack, scan["code"], direction, datetime.fromisoformat(scan["scanned_at"]))
        self.outbox.put({**scan, "offline": True, VERDICT: answer["reason"] or answer["status"]})
        self.show(f"{result_line(answer, offline=True)}  [{len(self.outbox)} queued]")
        return answer

    def _remember(self, code: str, answer: dict[str, Any]) -> None:
        """Note who the server let in or out here, so offline judging knows who is inside."""
        if self.pack is not None and self.pack.loaded:
            remember_answer(self.pack, code, answer)

    def _new_scan(self, code: str) -> dict[str, Any]:
        scan: dict[str, Any] = {
            "code": code,
            "gate": self.gate,
            # The nonce makes a retried send return the first judgement, never a second entry.
            "nonce": uuid.uuid4().hex,
            "scanned_at": datetime.now(timezone.utc).astimezone().isoformat(timespec="milliseconds"),
            "device": self.device,
        }
        if self.direction:
            scan["direction"] = self.direction
        return scan

    def _go_offline(self, why: str) -> None:
        self._next_retry = self.clock() + self.retry_every
        if not self.online:
            return
        self.online = False
        if self.pack is not None and self.pack.loaded:
            when = time.strftime("%H:%M", time.localtime(self.pack.refreshed_at or 0))
            self.alarm(f"*** OFFLINE: {why}. Judging tickets HERE from the gate pack ({len(self.pack)} tickets, "
                       f"updated {when}); scans are queued for the server. ***")
        else:
            self.alarm(f"*** OFFLINE: {why}. No gate pack: scans are queued and NOT checked until the "
                       f"server is back. ***")

    def _come_online(self) -> None:
        if not self.online:
            self.online = True
            self._next_refresh = self.clock()  # catch up on what changed meanwhile
            waiting = len(self.outbox)
            self.alarm(f"*** ONLINE again{f': sending {waiting} queued scans' if waiting else ''} ***")


def _wire(scan: dict[str, Any]) -> dict[str, Any]:
    """A queued scan as the server takes it: without this gate's own verdict."""
    return {name: value for name, value in scan.items() if name != VERDICT}


def _let_in_twice(scan: dict[str, Any], answer: dict[str, Any]) -> bool:
    """A conflict the server flags on a scan this gate did not refuse offline (let in, or not checked)."""
    return bool(answer.get("conflict")) and scan.get(VERDICT) in (None, "ok", "unchecked")


def _holder(answer: dict[str, Any]) -> str:
    return ((answer.get("ticket") or {}).get("holder") or {}).get("name") or "a ticket holder"


def _conflict_text(answer: dict[str, Any], zone: str | None) -> str:
    holder = _holder(answer)
    first = answer.get("first_entry") or {}
    where = f" at {first.get('gate_name') or first.get('gate')}" if first else ""
    since = f" since {answer_time(first['at'], zone, datetime.now(timezone.utc))}" if first.get("at") else ""
    return f"{holder} was let in here offline but had already entered{where}{since}"


def result_line(answer: dict[str, Any], late: bool = False, offline: bool = False) -> str:
    """One line for a judged scan: status, reason, holder, ticket type, message; OFFLINE if judged here."""
    status = str(answer.get("status") or "?").upper()
    if answer.get("conflict"):
        status = "CONFLICT"
    ticket = answer.get("ticket") or {}
    holder = (ticket.get("holder") or {}).get("name") or "-"
    kind = (ticket.get("type") or {}).get("name") or (ticket.get("type") or {}).get("code") or "-"
    flags = " (repeat)" if answer.get("repeat") else ""
    prefix = "OFFLINE " if offline else "LATE " if late else ""
    reason = answer.get("reason") or "-"
    return f"{prefix}{status:<8} {reason:<12} {holder:<24} {kind:<16} {answer.get('message') or ''}{flags}"
