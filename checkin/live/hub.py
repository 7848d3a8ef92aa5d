"""The live hub: after each commit, puts what changed on the live screens, off the request thread.

Services state what their transaction changes in its outbox (outbox.py);
when the transaction commits, the session hands that outbox to the hub's
inbox, and a rollback drops it, so nothing uncommitted is ever shown. The
hub's thread emits each scan and alert at once, and reads a
fresh `counts` or `inventory` snapshot at most once per LIVE_COUNTS_INTERVAL
per event, however many changes arrive meanwhile (a burst of 500 scans a
second still sends a few complete snapshots a second). The same thread
evaluates the alert rules on what it just read, and writes the devices it
heard from every LIVE_WATCH_SECONDS (tasks.py; each node writes its own).

Under TESTING the hub has no thread: `settle()` does the work when a test asks.
"""
import atexit
import logging
import queue
import threading
import time
import weakref

from flask import Flask

from ..extensions import db
from ..models import Event
from . import alert_rules, alerts, snapshots
from .outbox import Batch, DeviceSeen
from .signouts import OpenSockets
from .socket import NAMESPACE, emit_scan, emit_to_event, scan_payloads
from .tasks import save_devices

log = logging.getLogger(__name__)
_NOT_DEVICES = ("token:", "box-office")  # scans without a device name, and the box office's own admits
# After the first change arrives, what comes within this time is taken in the same cycle: at a
# thousand scans a second the hub would otherwise wake, enter the app and check its timers for
# every single scan, holding the interpreter lock the scans need.
GATHER_SECONDS = 0.005


class Hub:
    """Coalesces changes per event and emits them; one per app."""

    def __init__(self, app: Flask):
        cfg = app.config
        self._app = weakref.ref(app)  # the hub must not keep a finished app (and its engine) alive
        self.background = cfg["LIVE_BACKGROUND"] if cfg["LIVE_BACKGROUND"] is not None else not app.testing
        self.interval = float(cfg["LIVE_COUNTS_INTERVAL"])
        self.turns = Turns(cfg["REDIS_URL"], cfg.get("SOCKETIO_CHANNEL", "gate-live"), self.interval)
        self.sockets = OpenSockets(app, NAMESPACE)
        self.save_every, self.next_save = float(cfg["LIVE_WATCH_SECONDS"]), 0.0
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.dirty: dict[tuple[int, str], float] = {}
        self.next_emit: dict[tuple[int, str], float] = {}
        self.passbacks: set[str] = set()
        self.devices: dict[tuple[int, str], tuple[str, object]] = {}  # (event, device) -> (gate, last seen)
        self.busy = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        if self.background:
            atexit.register(self.close)

    def submit(self, batch: Batch) -> None:
        """Take a committed transaction's outbox, or devices heard from (on the caller's thread; never blocks)."""
        self.inbox.put(batch)
        self.ensure_running()

    def ensure_running(self) -> None:
        """Start the hub's thread if it is not running (it starts in the serving process, after any fork)."""
        if self.background and self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopping:
                    self._thread = threading.Thread(target=self._run, name="live-hub", daemon=True)
                    self._thread.start()

    def read_snapshots(self, event: Event) -> tuple[dict, dict]:
        """Fresh counts and inventory for one event (a screen that just joined); ends the read."""
        settings = alerts.settings_for(event.id)
        counts = snapshots.counts(event, settings["zone_capacity"])
        inventory = snapshots.inventory(event)
        db.session.commit()
        return counts, inventory

    def settle(self, timeout: float = 10.0) -> None:
        """Finish everything already committed: emitted, snapshots sent, alerts raised."""
        app = self._app()
        if not self.background:
            with app.app_context():
                while not self.inbox.empty() or self.dirty:
                    self._drain()
                    self._flush(force=True)
                self.save_devices()
            return
        deadline = time.monotonic() + timeout
        while (not self.inbox.empty() or self.dirty or self.busy) and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        """Stop the thread and finish what is left (process exit)."""
        with self._lock:
            self._stopping, thread = True, self._thread
        if thread is not None:
            thread.join(5)
        app = self._app()
        if app is None:
            return
        with app.app_context():
            try:
                self._drain()
                self._flush(force=True)
                self.save_devices()
            except Exception:  # at exit, a gone database or queue must not turn into a traceback
                log.exception("finishing the live hub's work at exit failed")

    def save_devices(self) -> None:
        """Write the devices heard from since the last time (hub thread, or settle/close)."""
        seen, self.devices = self.devices, {}
        try:
            save_devices(seen)
        except Exception:
            db.session.rollback()
            log.exception("saving device sightings failed")

    def _run(self) -> None:
        idle_since = time.monotonic()
        while True:
            try:  # wait without holding the app, so a finished app can be collected
                batch = self.inbox.get(timeout=self._wait())
                time.sleep(GATHER_SECONDS)
            except queue.Empty:
                batch = None
            app = self._app()
            if app is None or self._stopping:
                if batch is not None:
                    self.inbox.put(batch)  # taken just as close() began: close() finishes it
                return
            self.busy = True
            try:
                with app.app_context():
                    if batch is not None:
                        self._take(batch)
                        self._drain()
                    self._flush()
                    if self.devices and time.monotonic() >= self.next_save:
                        self.next_save = time.monotonic() + self.save_every
                        self.save_devices()
            except Exception:  # a busy database or a dead queue must never end the hub
                log.exception("live hub cycle failed")
            finally:
                self.busy = False
                del app
            now = time.monotonic()
            if batch is not None or self.dirty or self.devices:
                idle_since = now
            elif now - idle_since > 30:
                with self._lock:  # a submit after this sees no thread and starts one
                    if self.inbox.empty():
                        self._thread = None
                        return

    def _wait(self) -> float:
        due = [t for key, t in self.next_emit.items() if key in self.dirty]
        wait = min(due) - time.monotonic() if due else 1.0
        return max(0.001, min(wait, 1.0))

    def _drain(self) -> None:
        while True:
            try:
                batch = self.inbox.get_nowait()
            except queue.Empty:
                return
            self._take(batch)

    def _take(self, batch: Batch) -> None:
        now = time.monotonic()
        scan_alerts: dict[int, list] = {}
        for scan in batch.scans:
            public, full = scan_payloads(scan)
            emit_scan(scan.event_id, public, full)
            scan_alerts.setdefault(scan.event_id, []).append(full)
            self._seen(scan.event_id, scan.device, scan.gate.code, scan.at)
        for seen in batch.devices:
            self._seen(seen.event_id, seen.device, seen.gate_code, seen.at)
        for shown in batch.alerts:
            emit_to_event(shown.event_id, "alert", shown.alert)
        if batch.revoked:
            self.sockets.revoked(batch.revoked)
        for event_id, kinds in batch.stale.items():
            for kind in kinds:
                self.dirty.setdefault((event_id, kind), now)
        for event_id, shown in scan_alerts.items():
            self._raise_from_scans(event_id, shown)

    def _seen(self, event_id: int, device: str | None, gate_code: str, at) -> None:
        if not device or device.startswith(_NOT_DEVICES):
            return
        last = self.devices.get((event_id, device))
        if last is None or last[1] < at:
            self.devices[(event_id, device)] = (gate_code, at)

    def _raise_from_scans(self, event_id: int, shown: list[dict]) -> None:
        fresh = [c for c in alert_rules.scans(shown) if c["key"] not in self.passbacks]
        if not fresh:
            return
        try:
            alerts.raise_alerts(event_id, fresh, alerts.settings_for(event_id))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("raising scan alerts failed")
            return
        if len(self.passbacks) > 100_000:  # only a shortcut: the database latch decides
            self.passbacks.clear()
        self.passbacks.update(c["key"] for c in fresh if c["latch"])

    def _flush(self, force: bool = False) -> None:
        now = time.monotonic()
        for key in list(self.dirty):
            if not force and now < self.next_emit.get(key, 0.0):
                continue
            wait = 0.0 if force else self.turns.wait(*key)
            if wait:  # another node just sent this snapshot: send ours (with our changes) when its turn ends
                self.next_emit[key] = now + wait
                continue
            del self.dirty[key]
            self.next_emit[key] = now + self.interval
            try:
                self._publish(*key)
            except Exception:
                db.session.rollback()
                log.exception("publishing %s for event %s failed", key[1], key[0])

    def _publish(self, event_id: int, kind: str) -> None:
        event = db.session.get(Event, event_id)
        if event is None:
            db.session.rollback()
            return
        settings = alerts.settings_for(event_id)
        counts = kind == "counts"
        payload = snapshots.counts(event, settings["zone_capacity"]) if counts else snapshots.inventory(event)
        db.session.commit()  # never hold a transaction while emitting
        emit_to_event(event_id, kind, payload)
        family, wanted = (alert_rules.CROWD, alert_rules.crowd(payload, settings)) if counts else \
            (alert_rules.STOCK, alert_rules.stock(payload, settings))
        alerts.reconcile(event_id, family, wanted, settings)
        db.session.commit()


class Turns:
    """With several nodes, one snapshot per event and interval among them all (a Redis key with a TTL)."""

    def __init__(self, redis_url: str | None, channel: str, interval: float):
        self.url, self.prefix, self.ms = redis_url, f"{channel}:turn", max(1, int(interval * 1000))
        self._redis = None

    def wait(self, event_id: int, kind: str) -> float:
        """0 when this node may send the snapshot now, else the seconds until it may."""
        if not self.url:
            return 0.0
        try:
            import redis  # only needed, and only installed, where a Redis URL is set

            self._redis = self._redis or redis.Redis.from_url(self.url, socket_timeout=0.5)
            name = f"{self.prefix}:{kind}:{event_id}"
            if self._redis.set(name, "1", nx=True, px=self.ms):
                return 0.0
            return max(1, self._redis.pttl(name)) / 1000
        except Exception:  # without the queue there are no other nodes to agree with: send
            log.warning("taking a snapshot turn in Redis failed; sending anyway", exc_info=True)
            return 0.0


def hub_of(app: Flask) -> Hub:
    """The app's live hub."""
    return app.extensions["live"]


def note_device(app: Flask, event_id: int, device: str, gate_code: str, at) -> None:
    """A device said it is alive (a heartbeat); no database work on the caller's thread."""
    hub_of(app).submit(Batch(devices=[DeviceSeen(event_id, device, gate_code, at)]))


def init_live(app: Flask) -> None:
    """Give the app its hub and the /live namespace; settings default here."""
    from ..extensions import socketio
    from .socket import LiveNamespace

    for key, value in {"LIVE_BACKGROUND": None, "LIVE_COUNTS_INTERVAL": 0.15, "LIVE_TOKEN_CHECK_SECONDS": 2}.items():
        app.config.setdefault(key, value)
    app.extensions["live"] = Hub(app)
    socketio.on_namespace(LiveNamespace())
