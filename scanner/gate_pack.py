"""The gate pack kept on disk, so a gate can judge tickets while the server is away.

The server's pack (`GET .../gate-pack?gate=CODE`, its format is described in
checkin/gate/offline.py) holds the gate's rules and time zone, the event's
public keys and the other events' ones, each ticket type's zones and validity,
and per ticket its serial, current generation, state, blocked flag, type,
holder's name (where the event allows it) and its foreign barcode as a keyed
hash. Its `cursor` is passed back as `since` to get only the tickets changed
after it. Foreign barcodes are kept as the pack's hashes and looked up by
hashing what was read with the pack's key (scanner.ticket_codes.barcode_digest);
plain barcodes of an older server's packs are kept as they came. The client
asks for format 2, one array per field (`tickets_of` turns it back into one
ticket per row), and format 1 packs are taken as ever. The pack's ETag is kept
with it, so the next fetch can be answered `304` (nothing changed) with no body.

It lives in a small SQLite file beside the offline queue, together with
what this gate saw itself (who it let in or out, and when and where they
first came in), so a client restarted while the server is down still
judges as before. Files written by older clients are upgraded in place.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from scanner.files import owner_only
from scanner.rules import AdmissionFacts
from scanner.ticket_codes import PublicKey, barcode_digest, load_key

__all__ = ["GatePack", "pack_path", "tickets_of"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);  -- JSON values
CREATE TABLE IF NOT EXISTS keys (kid INTEGER PRIMARY KEY, public_key TEXT NOT NULL);  -- base64
CREATE TABLE IF NOT EXISTS tickets (serial INTEGER PRIMARY KEY, body TEXT NOT NULL);  -- the pack's JSON
-- Foreign barcodes: `code` is the pack's hash of one (plain, from an older server's pack);
-- `current` = 0 once the ticket moved on (transfer, reissue): revoked.
CREATE TABLE IF NOT EXISTS barcodes (code TEXT PRIMARY KEY, serial INTEGER NOT NULL, current INTEGER NOT NULL);
-- Who this gate let in or out itself: 'in' or 'out', and when (Unix time).
CREATE TABLE IF NOT EXISTS presence (serial INTEGER PRIMARY KEY, state TEXT NOT NULL, at REAL NOT NULL);
"""
# Columns added since, to files of older clients as well (NULL in their old rows).
_ADDED = (
    ("keys", "own", "INTEGER NOT NULL DEFAULT 1"),  # 0: another event's key, its codes read wrong_event
    ("barcodes", "generation", "INTEGER"),  # the ticket generation the barcode names
    ("presence", "first_at", "REAL"),  # the ticket's first entry (Unix time) ...
    ("presence", "first_gate", "TEXT"),  # ... and the name of the gate it came in by
)


def pack_path(queue: Path) -> Path:
    """Where the pack of the gate with this queue file lives: beside it."""
    return queue.with_name(f"{queue.stem}.pack{queue.suffix or '.sqlite3'}")


def tickets_of(pack: dict[str, Any]) -> list[dict[str, Any]]:
    """The pack's tickets, one dict each as format 1 lists them, from either format.

    Format 2 (checkin/gate/offline.py) sends one array per field: serials as
    differences, state and type as indexes into `states` and `type_codes`.
    """
    if pack.get("version", 1) == 1:
        return list(pack["tickets"])
    columns, types = pack["tickets"], pack.get("types") or {}
    count = int(columns["count"])
    fields = ["serial", "generation", "state", "blocked", "type", "barcode_hash", "barcode_generation"]
    if pack.get("names"):
        fields.append("name")
    if any(len(columns[field]) != count for field in fields):
        raise ValueError("the gate pack's ticket columns differ in length")
    states, type_codes = pack["states"], pack["type_codes"]
    tickets, serial = [], 0
    for i in range(count):
        serial += int(columns["serial"][i])
        code = _pick(type_codes, columns["type"][i])
        ticket = {"serial": serial, "generation": columns["generation"][i], "state": _pick(states, columns["state"][i]),
                  "blocked": bool(columns["blocked"][i]), "type": code,
                  "type_name": (types.get(code) or {}).get("name") or code, "barcode": None}
        if pack.get("names"):
            ticket["name"] = columns["name"][i]
        if columns["barcode_hash"][i] is not None:
            ticket["barcode_hash"] = {"hash": columns["barcode_hash"][i],
                                      "generation": columns["barcode_generation"][i]}
        tickets.append(ticket)
    return tickets


def _pick(values: list[Any], index: Any) -> Any:
    """values[index] for an index the list has (a negative one would silently count from the end)."""
    if not isinstance(index, int) or not 0 <= index < len(values):
        raise ValueError(f"the gate pack's index {index!r} is outside its {len(values)} values")
    return values[index]


class GatePack:
    """The latest gate pack and this gate's own entries and exits, in an SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Opened by the main thread, used by the camera loop's thread when a window is shown (one at a time).
        owner_only(self.path)  # it holds codes that let people in
        self._db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._add_columns()
        self._keys: dict[int, tuple[PublicKey, bool]] = {}

    def _add_columns(self) -> None:
        with self._db:
            for table, column, kind in _ADDED:
                if column not in {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def apply(self, pack: dict[str, Any]) -> int:
        """Store a pack from the server (whole or incremental); return how many tickets it brought."""
        try:
            tickets = [(int(t["serial"]), t) for t in tickets_of(pack)]
            keys = [(int(k["kid"]), k["public_key"], 1) for k in pack["keys"]] + \
                [(int(k["kid"]), k["public_key"], 0) for k in pack.get("other_keys") or []]
            for _, public, _own in keys:
                load_key(base64.b64decode(public, validate=True))
            rules, types, cursor = dict(pack["gate"]), dict(pack.get("types") or {}), int(pack["cursor"])
            barcode_key = pack.get("barcode_key")
            if barcode_key is not None:
                base64.b64decode(barcode_key, validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ValueError(f"the gate pack is malformed ({exc.__class__.__name__}: {exc})") from exc
        hashed = barcode_key is not None
        with self._db:
            if not pack.get("incremental"):
                self._db.execute("DELETE FROM tickets")
                # A hashing pack names every barcode it knows: plain ones kept from before must go.
                self._db.execute("DELETE FROM barcodes" if hashed else "UPDATE barcodes SET current = 0")
            for serial, ticket in tickets:
                self._store_ticket(serial, ticket)
            self._db.executemany("INSERT OR REPLACE INTO keys (kid, public_key, own) VALUES (?, ?, ?)", keys)
            meta = {"gate": rules, "types": types, "cursor": cursor, "refreshed_at": time.time(),
                    "barcode_key": pack.get("barcode_key"), "etag": pack.get("etag")}
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 [(name, json.dumps(value)) for name, value in meta.items()])
        return len(tickets)

    def confirm(self) -> None:
        """The server said the pack is unchanged (304): it is as fresh as now."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('refreshed_at', ?)", (json.dumps(time.time()),))

    def _store_ticket(self, serial: int, ticket: dict[str, Any]) -> None:
        before = self.ticket(serial)
        if before and before.get("barcode") and before["barcode"] != ticket.get("barcode"):
            # The printed barcode no longer names the ticket as it is now.
            self._db.execute("UPDATE barcodes SET current = 0 WHERE code = ?", (before["barcode"],))
        # The pack's hash; an older server sends the plain `foreign_barcode`, or even older only
        # `barcode`, and that only while it names the current generation.
        hashed = ticket.get("barcode_hash")
        foreign = ({"code": hashed["hash"], "generation": hashed["generation"]} if hashed else
                   ticket.get("foreign_barcode") or (
                       ticket.get("barcode") and {"code": ticket["barcode"], "generation": ticket["generation"]}))
        if foreign:
            generation = int(foreign["generation"])
            self._db.execute("INSERT OR REPLACE INTO barcodes (code, serial, current, generation) VALUES (?, ?, ?, ?)",
                             (foreign["code"], serial, int(generation == int(ticket["generation"])), generation))
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
        """The server's ledger position this pack reflects; 0 when there is none yet, or when the
        pack holds no barcode key (an older pack, perhaps with plain barcodes: fetch it whole)."""
        if self._meta("barcode_key") is None:
            return 0
        return int(self._meta("cursor") or 0)

    @property
    def etag(self) -> str | None:
        """The ETag of the pack last stored, to send as If-None-Match (None: fetch it whole)."""
        return self._meta("etag")

    @property
    def refreshed_at(self) -> float | None:
        """When the pack was last brought up to date (Unix time)."""
        return self._meta("refreshed_at")

    @property
    def gate(self) -> dict[str, Any]:
        """The gate's rules: zone, admits, direction, reentry, opening hours, the event's time zone."""
        return self._meta("gate") or {}

    def ticket_type(self, code: str) -> dict[str, Any]:
        """A ticket type's name, zones and validity window ({} if the pack has none)."""
        return (self._meta("types") or {}).get(code) or {}

    def key(self, kid: int) -> tuple[PublicKey, bool] | None:
        """(public key, True when it is this event's) for a key id, or None when the pack has no such key."""
        if kid not in self._keys:
            row = self._db.execute("SELECT public_key, own FROM keys WHERE kid = ?", (kid,)).fetchone()
            if row is None:
                return None
            self._keys[kid] = (load_key(base64.b64decode(row[0])), bool(row[1]))
        return self._keys[kid]

    def ticket(self, serial: int) -> dict[str, Any] | None:
        """The ticket with this serial as the pack knows it."""
        row = self._db.execute("SELECT body FROM tickets WHERE serial = ?", (serial,)).fetchone()
        return json.loads(row[0]) if row else None

    def by_barcode(self, code: str) -> tuple[dict[str, Any], int] | None:
        """(ticket, the generation the barcode names) for a foreign barcode, or None when no ticket has it."""
        key = self._meta("barcode_key")
        if key is not None:
            code = barcode_digest(base64.b64decode(key), code)
        row = self._db.execute("SELECT serial, current, generation FROM barcodes WHERE code = ?", (code,)).fetchone()
        ticket = self.ticket(row[0]) if row else None
        if ticket is None:
            return None
        if row[2] is None:  # kept by an older client, which only knew whether it was current
            return ticket, int(ticket["generation"]) if row[1] else 0
        return ticket, int(row[2])

    def admission(self, serial: int) -> AdmissionFacts | None:
        """The ticket's admission as this gate knows it (inside or left, first entry), or None."""
        row = self._db.execute("SELECT state, at, first_at, first_gate FROM presence WHERE serial = ?",
                               (serial,)).fetchone()
        if row is None:
            return None
        # An older client kept only the last time and never the gate: the best it can say.
        first_at = datetime.fromtimestamp(row[2] if row[2] is not None else row[1], timezone.utc)
        return AdmissionFacts(row[0] == "in", first_at, row[3] or str(self.gate.get("name") or "this gate"))

    def remember(self, serial: int, admission: AdmissionFacts) -> None:
        """Keep the ticket's admission after this gate let it in or out (or learnt it from the server)."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO presence (serial, state, at, first_at, first_gate) "
                             "VALUES (?, ?, ?, ?, ?)", (serial, "in" if admission.inside else "out", time.time(),
                                                        admission.first_at.timestamp(), admission.first_gate_name))

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
