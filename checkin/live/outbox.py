"""What a transaction says follows from it, kept until it ends; what the live hub takes after a commit.

Services state their consequences where they happen: the scan judge hands
over a ScanJudged, the journal counts badge prints and walk-ins and says
that stock changed, alerts hand over what they raised. All of it collects
in the session's one Outbox (checkin/session.py): just before COMMIT its
counter deltas write themselves in the same transaction; once COMMIT
returns, the rest goes to the live hub as this typed Batch; a rollback
drops it.

Plain data only: this module imports nothing of the app, so the session
class holds an Outbox without importing the models or the counters.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

COUNTS, INVENTORY = "counts", "inventory"  # the snapshots a change makes stale


@dataclass(frozen=True, slots=True)
class ScanJudged:
    """A scan the gate judged and stored: what the live screens show and the counters count."""

    event_id: int
    scan_id: int
    gate: Any  # the gate row judged at (code, name, zone, ...), gate/queries.GATE
    ticket: Any | None  # the ticket row the code named (id, type_code, holder_*), or None
    answer: dict  # the answer the gate got (status, reason, first_entry, ...)
    direction: str  # "in" or "out"
    at: datetime
    offline: bool
    device: str | None
    left: bool = False  # an exit that really moved the ticket from inside to outside
    manual: bool = False  # staff admitted a ticket they found by search: no code was read


@dataclass(frozen=True, slots=True)
class AlertShown:
    """An alert raised or acknowledged, as alerts.view() shows it."""

    event_id: int
    alert: dict


@dataclass(frozen=True, slots=True)
class DeviceSeen:
    """A device heard from (a heartbeat), at a gate."""

    event_id: int
    device: str
    gate_code: str
    at: datetime


@dataclass(slots=True)
class Batch:
    """What the live hub takes in one go: judged scans, stale snapshots, alerts, devices heard from,
    revoked tokens (whose live sockets close)."""

    scans: list[ScanJudged] = field(default_factory=list)
    stale: dict[int, set[str]] = field(default_factory=dict)  # event id -> {"counts", "inventory"}
    alerts: list[AlertShown] = field(default_factory=list)
    devices: list[DeviceSeen] = field(default_factory=list)
    revoked: list[int] = field(default_factory=list)  # token ids


class Writes(Protocol):
    """Rows a transaction adds just before COMMIT (counters.Deltas)."""

    def write(self, session) -> None:
        """Write the rows in the session's transaction."""


@dataclass(slots=True)
class Outbox(Batch):
    """The Batch a transaction is filling, and the counter deltas it adds just before COMMIT."""

    counters: Writes | None = None  # counters.add() fills them, the session's commit has them written

    def changed(self, event_id: int, kind: str) -> None:
        """Say this transaction changes an event's `counts` or `inventory` (sent again after commit)."""
        kinds = self.stale.get(event_id)
        if kinds is None:
            self.stale[event_id] = {kind}
        else:
            kinds.add(kind)

    def judged(self, scan: ScanJudged) -> None:
        """Show a judged scan on the live screens once the transaction commits."""
        self.scans.append(scan)

    def raised(self, event_id: int, alerts: list[dict]) -> None:
        """Show alerts (raised, or acknowledged) once the transaction commits."""
        self.alerts.extend(AlertShown(event_id, alert) for alert in alerts)

    def token_revoked(self, token_id: int) -> None:
        """Close the token's live sockets, on every node, once the transaction commits."""
        self.revoked.append(token_id)

    def news(self) -> bool:
        """Whether the live hub has anything to show (or close) from this transaction."""
        return bool(self.scans or self.stale or self.alerts or self.revoked)
