"""`gate serve --https`: a real server over TLS, with a certificate it makes and keeps, or the user's own."""
import hashlib
import http.client
import ipaddress
import json
import os
import signal
import socket
import ssl
import stat
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
import socketio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from checkin import tls
from live_servers import GATE

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TlsNode:
    """One `gate serve --https` process; what it printed is in `said`."""

    def __init__(self, env: dict, tmp, *args: str):
        self.port, self.log = free_port(), tmp / f"serve-{time.monotonic_ns()}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen([GATE, "serve", "--port", str(self.port), "--threads", "10", "--no-tasks",
                                             *args], env=env, cwd=tmp, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    @property
    def said(self) -> str:
        return self.log.read_text()

    def wait_ready(self, context: ssl.SSLContext, host: str = "localhost") -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gate serve exited: {self.said}"
            try:
                if self.get("/api/v1/openapi.json", context, host)[0] == 200:
                    return
            except (OSError, ssl.SSLError):
                time.sleep(0.1)
        raise AssertionError(f"gate serve did not start: {self.said}")

    def get(self, path: str, context: ssl.SSLContext, host: str = "localhost", token: str | None = None):
        conn = http.client.HTTPSConnection(host, self.port, context=context, timeout=10)
        try:
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
            answer = conn.getresponse()
            return answer.status, answer.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


@pytest.fixture
def serving(tmp_path):
    """start(*args) -> a node on its own instance folder (SQLite, secret key, certificate); all stopped after."""
    env = {**os.environ, "GATE_INSTANCE_PATH": str(tmp_path / "instance"), "GATE_SECRET_KEY": "test"}
    for name in ("GATE_DATABASE_URL", "GATE_REDIS_URL"):
        env.pop(name, None)
    nodes = []

    def start(*args: str) -> TlsNode:
        node = TlsNode(env, tmp_path, *args)
        nodes.append(node)
        return node
    start.env = env
    yield start
    for node in nodes:
        node.stop()


def trusting(cert_path) -> ssl.SSLContext:
    """A client that trusts exactly this certificate and checks the host name against it."""
    return ssl.create_default_context(cafile=str(cert_path))


def wait_for_file(path, node: TlsNode) -> None:
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        assert node.process.poll() is None, node.said
        time.sleep(0.05)


def printed_fingerprint(said: str) -> str:
    lines = said.splitlines()
    at = next(i for i, line in enumerate(lines) if "SHA-256 fingerprint" in line)
    return lines[at + 1].strip()


def fingerprint_of(pem: bytes) -> str:
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.decode())).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 64, 2))


def test_it_makes_a_certificate_once_serves_pages_api_and_live_over_tls_and_keeps_it(serving, tmp_path):
    admin = subprocess.run([GATE, "token", "create", "--role", "admin"], env=serving.env, cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout.strip()
    cert, key = tmp_path / "instance" / "tls" / "cert.pem", tmp_path / "instance" / "tls" / "key.pem"
    node = serving("--https")
    wait_for_file(cert, node)
    context = trusting(cert)
    node.wait_ready(context)

    said = node.said
    assert "Made a new self-signed certificate" in said and "none was kept" in said
    assert printed_fingerprint(said) == fingerprint_of(cert.read_bytes())
    assert f"https://localhost:{node.port}/" in said and f"https://127.0.0.1:{node.port}/" in said
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    names = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert {"localhost", socket.gethostname()} <= set(names.get_values_for_type(x509.DNSName))
    assert {"127.0.0.1", *tls.lan_addresses()} <= {str(a) for a in names.get_values_for_type(x509.IPAddress)}

    for host in ("localhost", "127.0.0.1"):  # verified against the kept certificate, by name and by address
        status, page = node.get("/gate", context, host)
        assert status == 200 and b"<html" in page
    status, me = node.get("/api/v1/me", context, token=admin)
    assert status == 200 and json.loads(me)["role"] == "admin"
    with pytest.raises(ssl.SSLCertVerificationError):  # a client that does not trust it is warned, as browsers are
        node.get("/gate", ssl.create_default_context())

    with pytest.raises(socketio.exceptions.ConnectionError):  # the live connection is checked too
        socketio.Client(reconnection=False).connect(f"https://localhost:{node.port}", namespaces=["/live"],
                                                    auth={"token": admin}, transports=["websocket"], wait_timeout=5)
    trusted = requests.Session()
    trusted.verify = str(cert)  # the Socket.IO client checks the WebSocket's certificate against this file
    live = socketio.Client(reconnection=False, http_session=trusted)
    live.connect(f"https://localhost:{node.port}", namespaces=["/live"], auth={"token": admin},
                 transports=["websocket"], wait_timeout=10)
    try:
        ack = live.call("join", {"event": "nope"}, namespace="/live", timeout=10)
        assert ack == {"ok": False, "status": 404, "detail": "no event 'nope'"}
    finally:
        live.disconnect()

    node.stop()
    kept = cert.read_bytes()
    again = serving("--https")
    again.wait_ready(context)
    assert "Using the certificate kept in" in again.said and "Made a new" not in again.said
    assert cert.read_bytes() == kept and printed_fingerprint(again.said) == printed_fingerprint(said)


def make_pair(folder, name: str, days: int = 30, start_days: int = -1):
    """A self-signed certificate for `name` and 127.0.0.1, and its key, as files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now + timedelta(days=start_days))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name), x509.IPAddress(
                ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_a_given_certificate_and_key_are_served_and_nothing_is_made(serving, tmp_path):
    cert, key = make_pair(tmp_path, "gate.test")
    node = serving("--cert", str(cert), "--key", str(key))
    node.wait_ready(trusting(cert), "127.0.0.1")
    assert f"Using the certificate {cert}" in node.said
    assert printed_fingerprint(node.said) == fingerprint_of(cert.read_bytes())
    assert not (tmp_path / "instance" / "tls").exists()
    status, page = node.get("/box", trusting(cert), "127.0.0.1")
    assert status == 200 and b"Box office" in page


def test_an_expired_kept_certificate_is_made_again_and_the_user_is_told(tmp_path):
    folder = tmp_path / "instance"
    first = tls.instance_certificate(str(folder))
    assert "none was kept" in first.news
    assert tls.instance_certificate(str(folder)).fingerprint == first.fingerprint  # kept
    cert, key = make_pair(tmp_path, "old", days=-2, start_days=-30)
    os.replace(cert, folder / "tls" / "cert.pem")
    os.replace(key, folder / "tls" / "key.pem")
    renewed = tls.instance_certificate(str(folder))
    assert "expired" in renewed.news and renewed.fingerprint != first.fingerprint
    assert renewed.not_after > datetime.now(timezone.utc) + timedelta(days=300)
    (folder / "tls" / "key.pem").write_text("not a key")
    assert "cannot be used" in tls.instance_certificate(str(folder)).news


def test_bad_certificate_or_key_files_end_serve_with_a_message_naming_the_file(runner, tmp_path):
    cert, key = make_pair(tmp_path, "good")
    other_cert, other_key = make_pair(tmp_path, "other")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    locked = tmp_path / "locked.key"
    locked.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")))
    cases = [
        ((tmp_path / "missing.crt", key), "missing.crt", "cannot read"),
        ((garbage, key), "garbage.pem", "not a PEM certificate"),
        ((cert, other_key), "other.key", "does not belong"),
        ((cert, garbage), "garbage.pem", "not a PEM private key"),
        ((cert, tmp_path), str(tmp_path), "cannot read"),  # a folder where the key should be
        ((cert, locked), "locked.key", "password"),
        ((key, cert), "good.key", "not a PEM certificate"),  # swapped
    ]
    for (c, k), named, why in cases:
        result = runner.invoke(args=["serve", "--cert", str(c), "--key", str(k)])
        assert result.exit_code == 1, (c, k, result.output)
        assert named in result.output and why in result.output, result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    alone = runner.invoke(args=["serve", "--cert", str(cert)])
    assert alone.exit_code == 2 and "--cert and --key go together" in alone.output


def test_a_bad_file_from_the_real_command_exits_non_zero_without_a_traceback(serving, tmp_path):
    cert, _key = make_pair(tmp_path, "real")
    _other_cert, other_key = make_pair(tmp_path, "stranger")
    node = serving("--cert", str(cert), "--key", str(other_key))
    assert node.process.wait(30) == 1
    assert "stranger.key: this key does not belong to the certificate" in node.said
    assert "Traceback" not in node.said
