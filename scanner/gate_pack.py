"""The gate pack kept on disk, so a gate can judge tickets while the server is away.

The server's pack (`GET .../gate-pack?gate=CODE`, see checkin/gate/offline.py)
holds the gate's rules, the event's public keys, each ticket type's zones and
validity, and per ticket its serial, current generation, state, blocked flag,
type, holder's name and foreign barcode. Its `cursor` is passed back as
`since` to get only the tickets changed after it.

It lives in a small SQLite file beside the offline queue, together with
what this gate saw itself (who it let in or out), so a client restarted
while the server is down still judges as before.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from scanner.ticket_codes import PublicKey, load_key

__all__ = ["GatePack", "pack_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);  -- JSON values
CREATE TABLE IF NOT EXISTS keys (kid INTEGER PRIMARY KEY, public_key TEXT NOT NULL);  -- base64
CREATE TABLE IF NOT EXISTS tickets (serial INTEGER PRIMARY KEY, body TEXT NOT NULL);  -- the pack's JSON
-- Foreign barcodes; `current` = 0 once the ticket moved on (transfer, reissue): revoked.
CREATE TABLE IF NOT EXISTS barcodes (code TEXT PRIMARY KEY, serial INTEGER NOT NULL, current INTEGER NOT NULL);
-- Who this gate let in or out itself: 'in' or 'out', and when (Unix time).
CREATE TABLE IF NOT EXISTS presence (serial INTEGER PRIMARY KEY, state TEXT NOT NULL, at REAL NOT NULL);
"""


def pack_path(queue: Path) -> Path:
    """Where the pack of the gate with this queue file lives: beside it."""
    return queue.with_name(f"{queue.stem}.pack{queue.suffix or '.sqlite3'}")


class GatePack:
    """The latest gate pack and this gate's own entries and exits, in an SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Opened by the main thread, used by the camera loop's thread when a window is shown (one at a time).
        self._db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._keys: dict[int, PublicKey] = {}

    def apply(self, pack: dict[str, Any]) -> int:
        """Store a pack from the server (whole or incremental); return how many tickets it brought."""
        try:
            tickets = [(int(t["serial"]), t) for t in pack["tickets"]]
            keys = [(int(k["kid"]), k["public_key"]) for k in pack["keys"]]
            for _, public in keys:
                load_key(base64.b64decode(public, validate=True))
            rules, types, cursor = dict(pack["gate"]), dict(pack.get("types") or {}), int(pack["cursor"])
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ValueError(f"the gate pack is malformed ({exc.__class__.__name__}: {exc})") from exc
        with self._db:
            if not pack.get("incremental"):
                self._db.execute("DELETE FROM tickets")
                self._db.execute("UPDATE barcodes SET current = 0")
            for serial, ticket in tickets:
                self._store_ticket(serial, ticket)
            self._db.executemany("INSERT OR REPLACE INTO keys VALUES (?, ?)", keys)
            meta = {"gate": rules, "types": types, "cursor": cursor, "refreshed_at": time.time()}
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 [(name, json.dumps(value)) for name, value in meta.items()])
        return len(tickets)

    def _store_ticket(self, serial: int, ticket: dict[str, Any]) -> None:
        before = self.ticket(serial)
        if before and before.get("barcode") and before["barcode"] != ticket.get("barcode"):
            # The printed barcode no longer names the ticket as it is now.
            self._db.execute("UPDATE barcodes SET current = 0 WHERE code = ?", (before["barcode"],))
        if ticket.get("barcode"):
            self._db.execute("INSERT OR REPLACE INTO barcodes VALUES (?, ?, 1)", (ticket["barcode"], serial))
        self._db.execute("INSERT OR REPLACE INTO tickets VALUES (?, ?)", (serial, json.dumps(ticket)))

    def _meta(self, name: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    @property
    def loaded(self) -> bool:
        """True once a pack has been stored (now or in an earlier run)."""
        return self._meta("gate") is not None

    @property
    def cursor(self) -> int:
        """The server's ledger position this pack reflects; 0 when there is none yet."""
        return int(self._meta("cursor") or 0)

    @property
    def refreshed_at(self) -> float | None:
        """When the pack was last brought up to date (Unix time)."""
        return self._meta("refreshed_at")

    @property
    def gate(self) -> dict[str, Any]:
        """The gate's rules: zone, admits, direction, reentry, opening hours."""
        return self._meta("gate") or {}

    def ticket_type(self, code: str) -> dict[str, Any]:
        """A ticket type's name, zones and validity window ({} if the pack has none)."""
        return (self._meta("types") or {}).get(code) or {}

    def key(self, kid: int) -> PublicKey | None:
        """The event's public key with this id, or None when the pack has no such key."""
        if kid not in self._keys:
            row = self._db.execute("SELECT public_key FROM keys WHERE kid = ?", (kid,)).fetchone()
            if row is None:
                return None
            self._keys[kid] = load_key(base64.b64decode(row[0]))
        return self._keys[kid]

    def ticket(self, serial: int) -> dict[str, Any] | None:
        """The ticket with this serial as the pack knows it."""
        row = self._db.execute("SELECT body FROM tickets WHERE serial = ?", (serial,)).fetchone()
        return json.loads(row[0]) if row else None

    def by_barcode(self, code: str) -> tuple[dict[str, Any], bool] | None:
        """(ticket, still current) for a foreign barcode, or None when no ticket has it."""
        row = self._db.execute("SELECT serial, current FROM barcodes WHERE code = ?", (code,)).fetchone()
        ticket = self.ticket(row[0]) if row else None
        return (ticket, bool(row[1])) if ticket and row else None

    def presence(self, serial: int) -> tuple[str, float] | None:
        """('in' or 'out', when) as this gate last saw the ticket, or None."""
        row = self._db.execute("SELECT state, at FROM presence WHERE serial = ?", (serial,)).fetchone()
        return (row[0], row[1]) if row else None

    def record(self, serial: int, state: str) -> None:
        """Remember that this gate let the ticket in ('in') or out ('out')."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO presence VALUES (?, ?, ?)", (serial, state, time.time()))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> GatePack:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
