"""Socket.IO namespace /live: the live picture of an event, pushed to every screen.

Wire format (API.md "Socket.IO"):
  connect   auth {"token": "..."}; a missing, unknown, revoked or expired token is refused.
  join      {"event": SLUG, "scans"?: "all" | "refused" | "none"}  (default "all")
            ack {"ok": true, "event", "role", "personal", "scans"} or {"ok": false, "status", "detail"};
            then `counts` and `inventory` for the event at once.
  leave     {} stops the event's messages.
Server to client:
  counts    snapshots.counts(): complete, at most a few per second per event, `version` grows
  inventory snapshots.inventory(): after each sale, hold, import or change
  scan      {"id", "at", "gate", "gate_name", "zone", "direction", "status", "reason", "type",
             "offline", "manual", "first_entry": {"at", "gate", "gate_name"} | null, "gap_seconds"};
            "manual": staff admitted a ticket found by search (no code read); roles that may read
            tickets also get "ticket_id" and "holder": {"name", "company"}; viewers never do
  alert     alerts.view(): raised, and again when acknowledged (`acked_at` set)
  signed_out {"reason": "revoked" | "expired", "detail"}: the token stopped working; the server then
            closes the connection (signouts.py), and connecting again with it is refused

Everything is emitted from the live hub after the change committed; with a
Redis URL set, Flask-SocketIO relays each emit to every node's clients.
"""
import logging
import re
from datetime import datetime

from flask import current_app, request
from flask_socketio import Namespace, emit, join_room, leave_room, rooms
from socketio.exceptions import ConnectionRefusedError as Refused

from ..auth import PERMISSIONS, auth
from ..extensions import db, socketio
from ..models import Event
from .outbox import ScanJudged

log = logging.getLogger(__name__)
NAMESPACE = "/live"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SCAN_CHOICES = ("all", "refused", "none")


def event_room(event_id: int) -> str:
    """Counts, inventory and alerts of one event."""
    return f"event:{event_id}"


def scan_room(event_id: int, refused: bool, personal: bool) -> str:
    """Judged scans of one event: ok or refused ones, with or without the holder."""
    return f"event:{event_id}:scans:{'refused' if refused else 'ok'}:{'full' if personal else 'public'}"


def scan_payloads(scan: ScanJudged) -> tuple[dict, dict]:
    """A judged scan as screens see it: (without personal data, with the holder for ticket readers)."""
    gate, ticket, answer, at = scan.gate, scan.ticket, scan.answer, scan.at
    first = answer["first_entry"]
    gap = (at - datetime.fromisoformat(first["at"])).total_seconds() if first else None
    public = {"id": scan.scan_id, "at": at.isoformat(), "gate": gate.code, "gate_name": gate.name, "zone": gate.zone,
              "direction": scan.direction, "status": answer["status"], "reason": answer["reason"],
              "type": ticket.type_code if ticket is not None else None, "offline": scan.offline,
              "manual": scan.manual,
              "first_entry": {"at": first["at"], "gate": first["gate"], "gate_name": first.get("gate_name")}
              if first else None,
              "gap_seconds": round(gap, 1) if gap is not None else None}
    full = {**public, "ticket_id": ticket.id if ticket is not None else None,
            "holder": {"name": ticket.holder_name, "company": ticket.holder_company} if ticket is not None
            else None}
    return public, full


def emit_scan(event_id: int, public: dict, full: dict) -> None:
    """Send a judged scan to the screens that asked for it."""
    refused = public["status"] != "ok"
    socketio.emit("scan", public, to=scan_room(event_id, refused, False), namespace=NAMESPACE)
    socketio.emit("scan", full, to=scan_room(event_id, refused, True), namespace=NAMESPACE)


def emit_to_event(event_id: int, name: str, payload: dict) -> None:
    """Send counts, inventory or an alert to every screen watching the event."""
    socketio.emit(name, payload, to=event_room(event_id), namespace=NAMESPACE)


class LiveNamespace(Namespace):
    """Token check on connect; `join` picks the event and what to receive."""

    def __init__(self):
        super().__init__(NAMESPACE)
        self.callers: dict[str, object] = {}

    def on_connect(self, auth_data=None):
        token = auth_data.get("token") if isinstance(auth_data, dict) else None
        principal = auth.verify_token_callback(token) if isinstance(token, str) else None
        db.session.rollback()  # end the token lookup's transaction before anything waits
        if principal is None:
            raise Refused("a valid token is required: auth {token}")
        self.callers[request.sid] = principal
        current_app.extensions["live"].sockets.opened(request.sid, principal.token_id)

    def on_disconnect(self, reason=None):
        self.callers.pop(request.sid, None)
        current_app.extensions["live"].sockets.closed(request.sid)

    def on_join(self, data=None):
        principal = self.callers.get(request.sid)
        if principal is None:
            return _refused(401, "not connected with a valid token")
        if not isinstance(data, dict) or set(data) - {"event", "scans"}:
            return _refused(422, "join takes {event, scans?}")
        slug, scans = data.get("event"), data.get("scans", "all")
        if not isinstance(slug, str) or not _SLUG.match(slug):
            return _refused(422, "event: a slug (lower-case letters, digits and -)")
        if scans not in _SCAN_CHOICES:
            return _refused(422, f"scans: one of {', '.join(_SCAN_CHOICES)}")
        event = db.session.query(Event).filter_by(slug=slug).one_or_none()
        if event is None:
            db.session.rollback()
            return _refused(404, f"no event {slug!r}")
        if principal.event_id is not None and principal.event_id != event.id:
            db.session.rollback()
            return _refused(403, "this token belongs to another event")
        personal = principal.role in PERMISSIONS["tickets.read"]
        self._enter(event.id, scans, personal)
        hub = current_app.extensions["live"]
        counts, inventory = hub.read_snapshots(event)
        emit("counts", counts)
        emit("inventory", inventory)
        return {"ok": True, "event": slug, "role": principal.role, "personal": personal, "scans": scans}

    def on_leave(self, data=None):
        self._leave_all()
        return {"ok": True}

    def _enter(self, event_id: int, scans: str, personal: bool) -> None:
        self._leave_all()
        join_room(event_room(event_id))
        if scans == "all":
            join_room(scan_room(event_id, False, personal))
        if scans in ("all", "refused"):
            join_room(scan_room(event_id, True, personal))

    def _leave_all(self) -> None:
        for room in rooms():
            if room != request.sid:
                leave_room(room)


def _refused(status: int, detail: str) -> dict:
    return {"ok": False, "status": status, "detail": detail}


@socketio.on_error(NAMESPACE)
def _failed(error: Exception) -> dict:
    """An event that failed unexpectedly answers like a busy server; nothing was changed."""
    log.exception("live event failed", exc_info=error)
    db.session.rollback()
    return _refused(503, "the server could not answer; try again in a moment")
