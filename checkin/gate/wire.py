"""The gate pack on the wire: compressed as the client asks, with a strong ETag, and 304 when unchanged.

At doors-open every tablet fetches the whole pack at once over the venue's
Wi-Fi, and then asks every few seconds for what changed. So the pack goes
out compressed by `Accept-Encoding` (br, else gzip, else as it is; `Vary:
Accept-Encoding`), and carries an ETag: a hash of the JSON, with the coding
appended, since the gzip and br bodies are different bytes and a strong ETag
names exact bytes (RFC 9110, 8.8.3). A client that sends the ETag of what it
already holds in `If-None-Match` gets `304` and no body when the answer would
be the same bytes. Because the hash is of the answer itself, a pack that
changed in any way (a ticket, the gate, a key) never matches a stale one,
whatever the cursor says. `Cache-Control: private, no-cache`: only the
tablet keeps it, and only after asking again.

gzip is written without a timestamp and both coders run at fixed levels, so
one pack always compresses to the same bytes under the same ETag.

Tablets start at once. The first of them to ask for a pack builds it (reading
every ticket: about a second of CPU at 100,000 tickets, while scans wait for
the interpreter), and the others asking for the same pack meanwhile, or for
PACK_SECONDS after, get the same bytes, compressed once per coding. "The
same pack" is what `offline.pack_parts` says it depends on: the gate's rules,
keys, types, settings and the ledger's cursor (tickets change only with a
ledger entry). A change anywhere makes another pack at once. What only a
timer bounds: on PostgreSQL a write can commit after a later ledger id became
visible; a pack built between the two lacks it until the cursor moves again
or PACK_SECONDS pass, the same blind spot an incremental fetch has at that
cursor, and what the conflicts on upload are there for.
"""
import gzip
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import brotli
from flask import Response, current_app, request

# br first: smaller than gzip at the same speed for this JSON. Quality 5 and level 6 keep a
# 100,000-ticket pack's compression well under a second on one core (bench/gate_pack.py).
_CODERS = {
    "br": lambda body: brotli.compress(body, quality=5, mode=brotli.MODE_TEXT),
    "gzip": lambda body: gzip.compress(body, compresslevel=6, mtime=0),
}
PACK_SECONDS = 30  # how long a built pack is handed out again while nothing it depends on changed
PACKS_KEPT = 16  # gates x formats x cursors asked for at once; each whole pack of 100,000 is ~3 MB


class _Encoded:
    """One pack as JSON, its ETag's hash, and its compressed forms as they are asked for."""

    def __init__(self, pack: dict):
        self.body = json.dumps(pack, separators=(",", ":"), ensure_ascii=False).encode()
        self.digest = hashlib.sha256(self.body).hexdigest()[:32]
        self._coded: dict[str, bytes] = {}

    def coded(self, coding: str) -> bytes:
        if coding not in _CODERS:
            return self.body
        if coding not in self._coded:  # two threads may both compress: the same bytes, no harm
            self._coded[coding] = _CODERS[coding](self.body)
        return self._coded[coding]


class _Packs:
    """The packs built lately, per app: one build for every tablet asking for the same pack at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.kept: OrderedDict[tuple, tuple[float, _Encoded]] = OrderedDict()
        self.building: dict[tuple, threading.Lock] = {}

    def get(self, depends_on: tuple, build: Callable[[], dict]) -> _Encoded:
        with self.lock:
            builder = self.building.setdefault(depends_on, threading.Lock())
        with builder:  # the first builds; the others wait for it and take what it built
            with self.lock:
                kept = self.kept.get(depends_on)
                if kept and kept[0] > time.monotonic():
                    return kept[1]
            encoded = _Encoded(build())
            with self.lock:
                self.kept[depends_on] = (time.monotonic() + PACK_SECONDS, encoded)
                self.kept.move_to_end(depends_on)
                while len(self.kept) > PACKS_KEPT:
                    self.kept.popitem(last=False)
                self.building.pop(depends_on, None)
            return encoded


def pack_response(depends_on: tuple, build: Callable[[], dict]) -> Response:
    """The pack as JSON, compressed as accepted, or a 304 when If-None-Match holds its ETag."""
    packs = current_app.extensions.setdefault("gate_packs", _Packs())
    encoded = packs.get(depends_on, build)
    coding = request.accept_encodings.best_match(list(_CODERS), default="identity")
    etag = encoded.digest if coding == "identity" else f"{encoded.digest}-{coding}"
    if request.if_none_match.contains_weak(etag):  # If-None-Match compares weakly (RFC 9110, 13.1.2)
        response = Response(status=304)
    else:
        response = Response(encoded.coded(coding), mimetype="application/json")
        if coding in _CODERS:
            response.headers["Content-Encoding"] = coding
    response.set_etag(etag)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
