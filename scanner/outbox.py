"""Scans the server has not accepted yet, kept on disk until it does.

A small SQLite file, one row per scan, keyed by the scan's nonce so a scan
queued twice is stored once, and sent oldest first. Rows leave the file only
after the server has judged them, so a crash or a pulled plug loses nothing.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from scanner.files import owner_only

__all__ = ["Outbox"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queued_scans (
    nonce     TEXT PRIMARY KEY,
    body      TEXT NOT NULL,      -- the scan as JSON, as it will be sent (plus the gate's own verdict)
    queued_at REAL NOT NULL       -- Unix time, for the order of sending
)
"""


class Outbox:
    """A queue of scans (JSON objects with a `nonce`) in an SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Opened by the main thread, used by the camera loop's thread when a window is shown (one at a time).
        owner_only(self.path)  # it holds codes that let people in
        self._db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
        with self._db:
            self._db.execute(_SCHEMA)

    def put(self, scan: dict[str, Any]) -> None:
        """Queue a scan; a scan already queued (same nonce) stays as it was."""
        nonce = scan.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise ValueError("a queued scan needs a nonce, so the server judges it once")
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO queued_scans (nonce, body, queued_at) VALUES (?, ?, ?)",
                (nonce, json.dumps(scan, ensure_ascii=False), time.time()),
            )

    def oldest(self, limit: int = 100) -> list[dict[str, Any]]:
        """The `limit` scans queued first, oldest first."""
        rows = self._db.execute(
            "SELECT body FROM queued_scans ORDER BY queued_at, rowid LIMIT ?", (limit,)
        ).fetchall()
        return [json.loads(body) for (body,) in rows]

    def remove(self, nonces: Iterable[str]) -> None:
        """Forget the scans with these nonces (the server has judged them)."""
        with self._db:
            self._db.executemany("DELETE FROM queued_scans WHERE nonce = ?", [(n,) for n in nonces])

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM queued_scans").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
