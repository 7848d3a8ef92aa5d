"""One slow client never stops the gates: `gate serve` on a SQLite file, a client that stalls or
trickles its request body, and scans at another gate that must stay fast meanwhile."""
import http.client
import json
import os
import socket
import statistics
import threading
import time

import cv2
import numpy as np
import pytest

from live_servers import Node, prepare

EVENT = {"slug": "ev", "name": "Ev", "timezone": "UTC", "starts_at": "2020-01-01T00:00:00+00:00",
         "ends_at": "2199-01-01T00:00:00+00:00"}
READ_TIMEOUT = 2  # seconds a body read may wait, set short for the test


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """`gate serve` on a SQLite file with 600 General tickets and two gates."""
    tmp = tmp_path_factory.mktemp("slow-clients")
    url = f"sqlite:///{tmp / 'gate.db'}"
    tokens = prepare(url, tmp)
    env = {**os.environ, "GATE_DATABASE_URL": url, "GATE_SECRET_KEY": "test",
           "GATE_BODY_READ_TIMEOUT": str(READ_TIMEOUT)}
    env.pop("GATE_REDIS_URL", None)
    server = Node(env, tmp)
    admin = tokens["admin"]
    assert server.call("POST", "/api/v1/events", admin, EVENT)[0] == 201
    server.call("POST", "/api/v1/events/ev/ticket-types", admin,
                {"code": "GA", "name": "General", "capacity": 1000, "badge_type": "General"})
    for code in ("north", "south"):
        server.call("POST", "/api/v1/events/ev/gates", admin,
                    {"code": code, "name": code.title(), "zone": "hall", "admits": ["GA"], "direction": "both"})
    status, issued = server.call("POST", "/api/v1/events/ev/tickets", admin, {"tickets": [
        {"type": "GA", "holder": {"name": f"Guest {i}"}} for i in range(600)]})
    assert status == 201
    server.tokens, server.codes = tokens, [t["code"] for t in issued["tickets"]]
    yield server
    server.stop()


def scan_latencies(node, n: int) -> list[float]:
    """Scan n fresh tickets at the south gate one after another; the seconds each took."""
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=5)
    headers = {"Authorization": f"Bearer {node.tokens['gate']}", "Content-Type": "application/json"}
    took = []
    try:
        for _ in range(n):
            body = json.dumps({"code": node.codes.pop(), "gate": "south"})
            started = time.perf_counter()
            conn.request("POST", "/api/v1/events/ev/scans", body, headers)
            answer = conn.getresponse()
            assert answer.status == 200 and json.loads(answer.read())["status"] == "ok"
            took.append(time.perf_counter() - started)
    finally:
        conn.close()
    return took


def p99_ms(took: list[float]) -> float:
    return statistics.quantiles(took, n=100)[98] * 1000


def raw_request(node, path: str, headers: dict, first_bytes: bytes) -> socket.socket:
    """Send a request's head and the first bytes of its body, and nothing more (yet)."""
    sock = socket.create_connection(("127.0.0.1", node.port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall(head.encode() + b"\r\n" + first_bytes)
    return sock


def status_of(sock: socket.socket) -> int:
    answer = http.client.HTTPResponse(sock)
    answer.begin()
    return answer.status


def report(what: str, took: list[float]) -> None:
    print(f"\n{what}: n={len(took)} p50 {statistics.median(took) * 1000:.1f} ms, p99 {p99_ms(took):.1f} ms")


def test_a_stalled_body_holds_up_no_other_scan(node):
    quiet = scan_latencies(node, 150)
    auth = {"Authorization": f"Bearer {node.tokens['gate']}", "Content-Type": "application/json"}
    stalled = raw_request(node, "/api/v1/events/ev/scans", {**auth, "Content-Length": "200"}, b'{"cod')
    try:
        time.sleep(0.2)  # its head is in: the server is now waiting for the rest of its body
        began = time.monotonic()
        busy = scan_latencies(node, 150)
        assert status_of(stalled) == 408  # given up after the read timeout, not held forever
        waited = time.monotonic() - began
    finally:
        stalled.close()
    report("scans, quiet", quiet)
    report("scans beside a stalled body", busy)
    assert p99_ms(busy) < 100
    assert waited < READ_TIMEOUT + 3


def test_a_slow_frame_upload_holds_up_no_other_scan(node):
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (300, 400), np.uint8)
    jpeg = cv2.imencode(".jpg", noise, [cv2.IMWRITE_JPEG_QUALITY, 100])[1].tobytes()
    jpeg += b"\0" * max(0, 150_000 - len(jpeg))  # about 150 KB, as a camera frame
    boundary = "frame-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"gate\"\r\n\r\nnorth\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"f.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + jpeg + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Bearer {node.tokens['gate']}", "Content-Length": str(len(body)),
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    sock = raw_request(node, "/api/v1/events/ev/scans/frame", headers, b"")
    answered = {}

    def upload():  # 100 KB/s: 10 KB every 100 ms
        for at in range(0, len(body), 10_000):
            sock.sendall(body[at:at + 10_000])
            time.sleep(0.1)
        answered["status"] = status_of(sock)

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        time.sleep(0.15)
        busy = scan_latencies(node, 100)
        uploader.join(10)
    finally:
        sock.close()
    report("scans beside a 100 KB/s frame upload", busy)
    assert answered["status"] in (200, 422)  # the frame was taken (it holds no code, or no readable one)
    assert p99_ms(busy) < 100


def test_a_huge_sale_is_refused_before_its_body_arrives(node):
    headers = {"Authorization": f"Bearer {node.tokens['admin']}", "Content-Type": "application/json",
               "Content-Length": str(10 * 1024 * 1024)}
    sock = raw_request(node, "/api/v1/events/ev/sales", headers, b'{"type": "GA", "holders": [')
    try:
        sock.settimeout(2)
        began = time.monotonic()
        assert status_of(sock) == 413
        assert time.monotonic() - began < 1
    finally:
        sock.close()
    assert scan_latencies(node, 5)  # and the gates go on


def test_a_sale_body_sent_whole_is_still_taken(node):
    status, sold = node.call("POST", "/api/v1/events/ev/sales", node.tokens["admin"],
                             {"type": "GA", "quantity": 1, "payment": {"method": "cash"},
                              "holders": [{"name": "Ann " + "x" * 150}]})
    assert status == 201, sold
