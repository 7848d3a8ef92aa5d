"""A gate's scanning station: every code read goes to the server, or to the outbox.

Online, each new code is sent at once and the judgement printed as one line.
When the server cannot be reached the station goes offline, says so loudly,
and queues scans (marked `offline`, with their own nonce and time) in the
outbox without waiting on the network; every `retry_every` seconds it sends
the queue as one batch, and the first batch that gets through brings it back
online. Refusals (a wrong token, an unknown gate) are printed, never queued:
no retry would change them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from scanner.outbox import Outbox
from scanner.remote import Offline, Refused

__all__ = ["Station", "result_line"]

BATCH_SIZE = 100
Print = Callable[[str], None]


class Server(Protocol):
    """What the station needs from the server (see `scanner.remote.GateServer`)."""

    def scan(self, scan: dict[str, Any]) -> dict[str, Any]:
        """Judge one scan."""
        ...

    def batch(self, scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Judge scans made offline, one answer each."""
        ...


class Station:
    """Sends scans of one gate, queues them while offline, and retries the queue."""

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
    ) -> None:
        self.server, self.outbox = server, outbox
        self.gate, self.device, self.direction = gate, device, direction
        self.retry_every = retry_every
        self.show, self.alarm, self.clock = show, alarm, clock
        self.online = True
        self.sent = 0
        # Anything already queued (from an earlier run) is due at once.
        self._next_retry = clock()

    def scan(self, code: str) -> dict[str, Any] | None:
        """Send a newly read code; return the judgement, or None if queued or refused."""
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
                self.show(result_line(answer))
                return answer
        self._queue(scan)
        return None

    def tick(self) -> None:
        """Between frames: send the queue if a retry is due."""
        if len(self.outbox) and self.clock() >= self._next_retry:
            self.flush()

    def flush(self) -> None:
        """Send queued scans now, batch after batch, until the queue is empty or the server fails."""
        self._next_retry = self.clock() + self.retry_every
        while queued := self.outbox.oldest(BATCH_SIZE):
            try:
                answers = self.server.batch(queued)
            except Offline as exc:
                self._go_offline(str(exc))
                return
            except Refused as exc:
                # One bad scan must not block the queue: send them one by one.
                self.alarm(f"the server refused the batch ({exc.status}: {exc.detail}); sending one by one")
                if not self._send_singly(queued):
                    return
                continue
            self._come_online()
            self._settle(queued, answers)

    def _settle(self, queued: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
        self.outbox.remove(scan["nonce"] for scan in queued)
        self.sent += len(queued)
        for answer in answers:
            self.show(result_line(answer, late=True))

    def _send_singly(self, queued: list[dict[str, Any]]) -> bool:
        """Send scans one at a time, dropping those refused; False if the server failed."""
        for scan in queued:
            try:
                answer = self.server.scan(scan)
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

    def _queue(self, scan: dict[str, Any]) -> None:
        self.outbox.put({**scan, "offline": True})
        self.show(f"OFFLINE  queued       {scan['code'][:24]:<24}  NOT CHECKED: follow the offline rules "
                  f"({len(self.outbox)} waiting)")

    def _go_offline(self, why: str) -> None:
        self._next_retry = self.clock() + self.retry_every
        if self.online:
            self.online = False
            self.alarm(f"*** OFFLINE: {why}. Scans are queued and NOT checked until the server is back. ***")

    def _come_online(self) -> None:
        if not self.online:
            self.online = True
            self.alarm(f"*** ONLINE again: sending {len(self.outbox)} queued scans ***")


def result_line(answer: dict[str, Any], late: bool = False) -> str:
    """One line for a judged scan: status, reason, holder, ticket type, message."""
    status = str(answer.get("status") or "?").upper()
    if answer.get("conflict"):
        status = "CONFLICT"
    ticket = answer.get("ticket") or {}
    holder = (ticket.get("holder") or {}).get("name") or "-"
    kind = (ticket.get("type") or {}).get("name") or (ticket.get("type") or {}).get("code") or "-"
    flags = " (repeat)" if answer.get("repeat") else ""
    prefix = "LATE " if late else ""
    reason = answer.get("reason") or "-"
    return f"{prefix}{status:<8} {reason:<12} {holder:<24} {kind:<16} {answer.get('message') or ''}{flags}"
