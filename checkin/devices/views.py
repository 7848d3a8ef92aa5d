"""Pairing a device, the caller's own token, and a supervisor's list of device tokens."""
import threading
import time

from flask import current_app, request

from ..api import actor, allowed, bp, load_event
from ..auth import current
from ..bodies import body_limit
from ..errors import problem
from ..frames import decode_frame
from ..models import utcnow
from . import pairing, tokens
from .links import pair_url, qr_data_uri
from .schemas import PairFrameIn, PairIn, PairingCodeIn, TokenQuery


@bp.app_errorhandler(pairing.TooManyAttempts)
def _too_many(error: pairing.TooManyAttempts):
    resp = problem(error.status, error.title, error.detail, retry_after=error.retry_after)
    resp.headers["Retry-After"] = str(error.retry_after)
    return resp


def _client() -> str:
    """Who is trying to pair, for the per-client limit: the caller's address."""
    return request.remote_addr or "unknown"


@bp.post("/events/<slug>/pairing-codes")
@bp.auth_required(**allowed("devices.manage"))
@bp.input(PairingCodeIn)
def create_pairing_code(slug, json_data):
    """A short-lived, single-use code (and its /pair link and QR) a device trades for a token of its own."""
    event = load_event(slug)
    lifetime = json_data.get("token_expires_in")
    made = pairing.create_code(event, json_data["role"], json_data.get("gate"), json_data.get("name"),
                               json_data.get("minutes"), tokens.parse_duration(lifetime) if lifetime else None,
                               current(), actor())
    url = pair_url(current_app.config["PUBLIC_URL"] or request.host_url, made.code)
    row = made.row
    return {"id": row.id, "code": made.code, "url": url, "qr": qr_data_uri(url), "role": row.role,
            "event": event.slug, "gate": json_data.get("gate"), "name": row.name,
            "expires_at": row.expires_at.isoformat(), "token_lifetime_minutes": row.token_lifetime_minutes}, 201


@bp.post("/pair")
@bp.input(PairIn)
@bp.doc(security=[])
def pair(json_data):
    """Trade a pairing code for this device's own token (no token needed; wrong tries are limited)."""
    paired = pairing.redeem(json_data["code"], _client())
    return {"token": paired.token, "id": paired.token_id, "name": paired.name, "role": paired.role,
            "event": paired.event, "gate": paired.gate, "screen": paired.screen,
            "expires_at": paired.expires_at.isoformat() if paired.expires_at else None}, 201


class _FramePacer:
    """An unauthenticated decoder must not become anyone's free CPU: one frame per client per
    interval (and, as for every frame, few decodes at once in the process: frames.py)."""

    def __init__(self, interval: float = 0.25):
        self.interval = interval
        self.last: dict[str, float] = {}
        self.lock = threading.Lock()

    def admit(self, client: str) -> bool:
        """Whether this client may send a frame now."""
        now = time.monotonic()
        with self.lock:
            if now - self.last.get(client, 0.0) < self.interval:
                return False
            if len(self.last) > 10_000:
                self.last = {c: t for c, t in self.last.items() if now - t < self.interval}
            self.last[client] = now
        return True


def _pacer() -> _FramePacer:
    """This app's pacer: two apps in one process (tests, or a server and its CLI) pace apart."""
    return current_app.extensions.setdefault("frame_pacer", _FramePacer())


@bp.post("/pair/frame")
@body_limit(4 * 1024 * 1024)
@bp.input(PairFrameIn, location="form_and_files")
@bp.doc(security=[])
def pair_frame(form_and_files_data):
    """Read a pairing QR code in a camera frame: {"status": "found", "code"} or {"status": "no_code"}."""
    client = _client()
    pairing.check_limits(client, utcnow())
    if not _pacer().admit(client):
        return problem(429, "Too many frames", "Send at most a few frames a second.")
    texts = decode_frame(form_and_files_data["image"].read(), wait=0).texts  # nobody waits for a turn here
    code = pairing.code_in(texts)
    return {"status": "found", "code": code} if code else {"status": "no_code"}


@bp.get("/me")
@bp.auth_required(**allowed("counts.read"))
def me():
    """The caller's own token: name, role, event, gate, expiry (what a screen's sign-in bar shows)."""
    return tokens.token_info(current().token_id)


@bp.post("/me/revoke")
@bp.auth_required(**allowed("counts.read"))
def revoke_me():
    """Sign this device out for good: its own token stops working at once."""
    return tokens.revoke(current().token_id)


@bp.get("/events/<slug>/tokens")
@bp.auth_required(**allowed("devices.manage"))
@bp.input(TokenQuery, location="query")
def list_tokens(slug, query_data):
    """The event's tokens, newest first: working ones (state=active, the default) or all."""
    event = load_event(slug)
    mine = current().token_id
    return {"tokens": [{**t, "current": t["id"] == mine} for t in tokens.list_tokens(event.id, query_data["state"])]}


@bp.post("/events/<slug>/tokens/<int(max=2147483647):token_id>/revoke")
@bp.auth_required(**allowed("devices.manage"))
def revoke_token(slug, token_id):
    """Revoke one of the event's tokens: it stops working at once, on every node."""
    event = load_event(slug)
    return tokens.revoke(token_id, event.id, current().role)
