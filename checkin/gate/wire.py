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
"""
import gzip
import hashlib
import json

import brotli
from flask import Response, request

# br first: smaller than gzip at the same speed for this JSON. Quality 5 and level 6 keep a
# 100,000-ticket pack's compression well under a second on one core (bench/gate_pack.py).
_CODERS = {
    "br": lambda body: brotli.compress(body, quality=5, mode=brotli.MODE_TEXT),
    "gzip": lambda body: gzip.compress(body, compresslevel=6, mtime=0),
}


def pack_response(pack: dict) -> Response:
    """The pack as JSON, compressed as accepted, or a 304 when If-None-Match holds its ETag."""
    body = json.dumps(pack, separators=(",", ":"), ensure_ascii=False).encode()
    coding = request.accept_encodings.best_match(list(_CODERS), default="identity")
    digest = hashlib.sha256(body).hexdigest()[:32]
    etag = digest if coding == "identity" else f"{digest}-{coding}"
    if request.if_none_match.contains_weak(etag):  # If-None-Match compares weakly (RFC 9110, 13.1.2)
        response = Response(status=304)
    else:
        response = Response(_CODERS[coding](body) if coding in _CODERS else body, mimetype="application/json")
        if coding in _CODERS:
            response.headers["Content-Encoding"] = coding
    response.set_etag(etag)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
