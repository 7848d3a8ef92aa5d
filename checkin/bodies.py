"""Request bodies are read whole before the view, its token check or any transaction begins.

A client that sends its body slowly, or stops half way, then holds only its
own thread: never a database connection, a transaction or SQLite's writer
lock, which the next scan at another gate needs. Each endpoint has a size
limit (`body_limit` on the view, else BODY_LIMIT): a larger Content-Length is
refused with 413 before a byte of the body is read. Under gunicorn every read
of the body waits at most BODY_READ_TIMEOUT seconds for the next bytes; a body
that stops arriving is answered 408.

JSON bodies are checked here with the limits Python's parser lacks: nesting at
most MAX_DEPTH deep and integers of at most 4,300 digits (Python's own limit,
which would otherwise surface as a ValueError in the view), so no body reaches
a view as a RecursionError or a 500.
"""
import json

from flask import Flask, current_app, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from .errors import problem

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_DEPTH = 32  # the deepest request schema nests 4 levels
SHORT = 4000  # no integer in a body this short is too long for Python to read (4,300 digits)


def body_limit(size: int):
    """Let a view take bodies up to `size` bytes instead of BODY_LIMIT (put it just under the route)."""
    def mark(view):
        view.body_limit = size
        return view
    return mark


def init_bodies(app: Flask) -> None:
    """Read and check every request body before anything else handles the request."""
    app.before_request(read_body)


def read_body():
    """Read the whole body now, within its endpoint's size limit and the read timeout; check JSON."""
    req = request._get_current_object()  # looked up once: this runs before every call
    if req.method not in BODY_METHODS or req.url_rule is None:
        return None  # no body, or a 404/405 that reads none
    app = current_app._get_current_object()
    config = app.config
    limit = min(getattr(app.view_functions.get(req.endpoint), "body_limit", config["BODY_LIMIT"]),
                config["MAX_CONTENT_LENGTH"] or 2**62)
    length = req.content_length
    if length is not None and length > limit:
        return _too_large(limit)
    req.max_content_length = limit
    try:
        data = _read(req, config["BODY_READ_TIMEOUT"])
    except RequestEntityTooLarge:
        return _too_large(limit)
    except ClientDisconnected:
        return problem(408, "Request timeout", "The request body did not arrive in full, or not in time.")
    if data and req.is_json:
        return check_json(data)
    return None


def _read(req, timeout: float) -> bytes:
    """The body, cached on the request (form parsing reads it from there); each socket read bounded."""
    sock = req.environ.get("gunicorn.socket")
    if sock is None:  # the test client or the development server: nothing to wait for
        return req.get_data(cache=True)
    before = sock.gettimeout()
    sock.settimeout(timeout)
    try:
        return req.get_data(cache=True)
    finally:
        sock.settimeout(before)  # the answer is written without this limit, however large it is


def _too_large(limit: int):
    return problem(413, "Content too large", f"The request body is too large: at most {limit:,} bytes here.")


def check_json(data: bytes):
    """None if the body is JSON within the limits, else a 400 problem saying what is wrong with it."""
    brackets = data.count(b"[") + data.count(b"{")
    if len(data) <= SHORT and brackets <= MAX_DEPTH:
        return None  # too short for a long integer, too few brackets to nest deep: nothing to parse for
    try:
        value = json.loads(data)
    except RecursionError:
        return _bad_json(f"nested more than {MAX_DEPTH} deep")
    except ValueError as error:  # not JSON, not UTF-8, or an integer too long to convert
        return _bad_json("an integer has too many digits" if "digits" in str(error) else "not valid JSON")
    if brackets > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        return _bad_json(f"nested more than {MAX_DEPTH} deep")
    return None


def _bad_json(why: str):
    return problem(400, "Invalid input", f"body: {why}", {"body": [why]})


def _depth(value) -> int:
    """How deep lists and objects nest in a parsed JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return deepest
