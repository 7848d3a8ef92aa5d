"""Live connections of a token that stopped working are closed, on every node.

An HTTP call reads its token's row each time (auth.py), but a /live socket
checks its token once, when it connects. So each node keeps which token each
of its open sockets connected with, and closes them:

- at once when a token is revoked: the revoking transaction says so in its
  outbox; after the commit the hub calls `revoked()`, which closes this node's
  sockets of that token and, with a Redis URL set, publishes the token's id on
  `<SOCKETIO_CHANNEL>:revoked`, where every node listens and does the same;
- and every LIVE_TOKEN_CHECK_SECONDS, each node asks the database which of
  its sockets' tokens are revoked or expired (a revocation no node heard of,
  say by `gate token revoke` without Redis, or a token reaching its expiry).

Before a socket is closed it is sent `signed_out` {"reason": "revoked" |
"expired", "detail"}, so its screen can say why and offer to sign in again.
"""
import json
import logging
import threading
import time
import weakref

from flask import Flask
from sqlalchemy import or_, select

from ..extensions import db, socketio
from ..models import ApiToken, utcnow

log = logging.getLogger(__name__)
DETAILS = {"revoked": "This token was revoked: sign in again.", "expired": "This token has expired: sign in again."}
_CHUNK = 500


class OpenSockets:
    """This node's /live sockets by the token they connected with; one per app."""

    def __init__(self, app: Flask, namespace: str):
        cfg = app.config
        self._app = weakref.ref(app)
        self.namespace = namespace
        self.background = cfg["LIVE_BACKGROUND"] if cfg["LIVE_BACKGROUND"] is not None else not app.testing
        self.every = float(cfg["LIVE_TOKEN_CHECK_SECONDS"])
        self.redis_url = cfg["REDIS_URL"]
        self.channel = f"{cfg.get('SOCKETIO_CHANNEL', 'gate-live')}:revoked"
        self.tokens: dict[str, int] = {}  # socket id -> token id
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._publisher = None

    def opened(self, sid: str, token_id: int) -> None:
        """A socket connected with this token (on the connect handler's thread)."""
        with self._lock:
            self.tokens[sid] = token_id
        self._ensure_watching()

    def closed(self, sid: str) -> None:
        """A socket went away, whoever closed it."""
        with self._lock:
            self.tokens.pop(sid, None)

    def revoked(self, token_ids: list[int]) -> None:
        """Tokens were just revoked: close their sockets here, and tell every other node (after the commit)."""
        self.close_sockets(dict.fromkeys(token_ids, "revoked"))
        if self.redis_url:
            try:
                self._publish(json.dumps(sorted(set(token_ids))))
            except Exception:  # the periodic check still finds them on the other nodes
                self._publisher = None
                log.warning("telling other nodes of revoked tokens failed", exc_info=True)

    def check(self) -> None:
        """Close the sockets whose token is now revoked or expired (asks the database; needs an app context)."""
        with self._lock:
            ids = sorted(set(self.tokens.values()))
        if not ids:
            return
        now, stopped = utcnow(), {}
        try:
            for start in range(0, len(ids), _CHUNK):
                rows = db.session.execute(select(ApiToken.id, ApiToken.revoked_at).where(
                    ApiToken.id.in_(ids[start:start + _CHUNK]),
                    or_(ApiToken.revoked_at.is_not(None), ApiToken.expires_at <= now)))
                stopped.update((row.id, "revoked" if row.revoked_at else "expired") for row in rows)
        finally:
            db.session.rollback()  # a read only: end it before any socket work
        self.close_sockets(stopped)

    def close_sockets(self, reasons: dict[int, str]) -> None:
        """Tell each of this node's sockets of these tokens why, then close it."""
        with self._lock:
            doomed = [(sid, reasons[t]) for sid, t in self.tokens.items() if t in reasons]
        for sid, reason in doomed:
            try:
                socketio.emit("signed_out", {"reason": reason, "detail": DETAILS[reason]}, to=sid,
                              namespace=self.namespace)
                socketio.server.disconnect(sid, namespace=self.namespace, ignore_queue=True)  # this node's own
            except Exception:
                log.warning("closing live socket %s failed", sid, exc_info=True)
            self.closed(sid)

    def _publish(self, message: str) -> None:
        import redis  # only needed, and only installed, where a Redis URL is set

        self._publisher = self._publisher or redis.Redis.from_url(self.redis_url, socket_timeout=1)
        self._publisher.publish(self.channel, message)

    def _ensure_watching(self) -> None:
        if self.background and self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._watch, name="live-signouts", daemon=True)
                    self._thread.start()

    def _watch(self) -> None:
        """Listen for other nodes' revocations, and check the tokens every so often, while the app lives."""
        listener, next_check = None, time.monotonic() + self.every
        while self._app() is not None:
            try:  # wait without holding the app, so a finished app can be collected
                if self.redis_url and listener is None:
                    listener = self._listen()
                wait = max(0.01, next_check - time.monotonic())
                revoked = self._heard(listener, wait) if listener is not None else _sleep(wait)
                app = self._app()
                if app is None:
                    return
                with app.app_context():
                    if revoked:
                        self.close_sockets(dict.fromkeys(revoked, "revoked"))
                    if time.monotonic() >= next_check:
                        next_check = time.monotonic() + self.every
                        self.check()
                del app
            except Exception:  # a lost Redis or a busy database must never end the watch
                log.warning("watching live sockets' tokens failed; trying again", exc_info=True)
                listener = None
                time.sleep(1)

    def _listen(self):
        import redis

        listener = redis.Redis.from_url(self.redis_url, socket_timeout=None).pubsub(ignore_subscribe_messages=True)
        listener.subscribe(self.channel)
        return listener

    def _heard(self, listener, wait: float) -> list[int]:
        message = listener.get_message(timeout=wait)
        if message is None or message.get("type") != "message":
            return []
        try:
            ids = json.loads(message["data"])
        except ValueError:
            return []
        return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _sleep(seconds: float) -> list[int]:
    time.sleep(seconds)
    return []
