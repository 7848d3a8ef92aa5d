"""Guessing codes at a gate is throttled: a burst of invalid codes from one device, or from one
client address, makes it wait (429 with Retry-After) and raises an `invalid_burst` alert.

A device may send SCAN_INVALID_LIMIT invalid codes, and an address (several
devices behind one router) SCAN_INVALID_ADDRESS_LIMIT, within
SCAN_INVALID_WINDOW_SECONDS; past that its scans are refused unjudged until
the oldest of them leaves the window. The device is the one a scan names (or
its token); the address bounds a client that names a new device for every
guess. Counted in this process, per event, a sliding window per key: nothing
is written per scan. With several nodes behind a sticky balancer each node
counts its own clients. A limit of 0 turns that limit off.
"""
import math
import threading
import time
from collections import deque

from flask import current_app, request

from ..errors import DomainError
from ..extensions import db
from ..live import alerts

clock = time.monotonic  # tests move it
ALERT_EVERY = 600.0  # seconds: a burst that goes on raises its alert again at most this often
_MAX_KEYS = 10_000  # past this, keys whose window has passed are forgotten


class TooManyInvalid(DomainError):
    status, title = 429, "Too many invalid codes"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class InvalidCodes:
    """When each key (event, "device" or "address", name) last sent invalid codes, over one window."""

    def __init__(self):
        self.seen: dict[tuple, deque] = {}
        self.alerted: dict[tuple, float] = {}
        self.lock = threading.Lock()

    def wait(self, keys: list[tuple[tuple, int]], window: float, now: float) -> float:
        """Seconds until every key may send again (0: now); keys come with their limits."""
        with self.lock:
            waits = [q[0] + window - now for key, limit in keys
                     if limit and (q := self.seen.get(key)) and len(q) >= limit]
        return max([0.0, *waits])

    def note(self, keys: list[tuple[tuple, int]], window: float, now: float) -> list[tuple]:
        """Count an invalid code against each key; returns the keys that just reached their limit."""
        crossed = []
        with self.lock:
            if len(self.seen) > _MAX_KEYS:
                self.seen = {k: q for k, q in self.seen.items() if q and q[-1] > now - window}
            for key, limit in keys:
                if not limit:
                    continue
                q = self.seen.get(key)
                if q is None or q.maxlen != limit:
                    q = self.seen[key] = deque(q or (), maxlen=limit)
                while q and q[0] <= now - window:
                    q.popleft()
                q.append(now)
                if len(q) >= limit and self.alerted.get(key, -math.inf) <= now - ALERT_EVERY:
                    self.alerted[key] = now
                    crossed.append(key)
        return crossed


def _counter() -> InvalidCodes:
    """This app's counter: two apps in one process (tests, or a server and its CLI) count apart."""
    return current_app.extensions.setdefault("invalid_codes", InvalidCodes())


def _keys(event_id: int, device: str) -> list[tuple[tuple, int]]:
    config = current_app.config
    return [((event_id, "device", device), config["SCAN_INVALID_LIMIT"]),
            ((event_id, "address", request.remote_addr or "unknown"), config["SCAN_INVALID_ADDRESS_LIMIT"])]


def check(event_id: int, device: str) -> None:
    """Refuse (429) a scan from a device or address that sent too many invalid codes lately."""
    wait = _counter().wait(_keys(event_id, device), current_app.config["SCAN_INVALID_WINDOW_SECONDS"], clock())
    if wait > 0:
        raise TooManyInvalid("Too many invalid codes from this device or address: wait, then scan again.",
                             max(1, math.ceil(wait)))


def noted(gate, device: str, answers: list[dict]) -> None:
    """Count the invalid codes among judged answers; alert (once per burst) when a key reaches its limit."""
    invalid = sum(1 for a in answers if a.get("reason") == "invalid" and not a.get("repeat"))
    if not invalid:
        return
    keys, window, counter = _keys(gate.event_id, device), current_app.config["SCAN_INVALID_WINDOW_SECONDS"], _counter()
    crossed = [key for _ in range(invalid) for key in counter.note(keys, window, clock())]
    if crossed:
        _alert(gate, crossed, window)


def _alert(gate, crossed: list[tuple], window: float) -> None:
    candidates = []
    for event_id, kind, name in crossed:
        who = f"Device {name}" if kind == "device" else f"Address {name}"
        data = {"gate": gate.code, kind: name, "window_seconds": window}
        candidates.append(alerts.candidate(
            "invalid_burst", "critical", f"invalid_burst:{kind}:{name}",
            f"{who} sent a burst of invalid codes at {gate.name}: someone may be guessing codes; "
            f"its scans wait until the burst has passed", data, latch=False))
    alerts.raise_alerts(gate.event_id, candidates, alerts.settings_for(gate.event_id))
    db.session.commit()
