"""`gate serve`: the production server (gunicorn: worker processes of many threads), with its background tasks.

Several worker processes use several cores (one process is bound by Python's
interpreter lock). They are nodes of one server and need what several nodes
need: a Redis URL, through which every worker's emits reach every worker's
Socket.IO clients, snapshots are taken in turn and revoked tokens' sockets
are closed (live/hub.py, live/signouts.py). Without it there is no shared
queue, so a dashboard would miss what other workers judged: one worker then.
Gunicorn hands each connection to whichever worker accepts it, so Socket.IO's
long-polling (a session of many requests, kept in one process) cannot work
across workers; the pages connect over WebSocket only (one connection, one
worker: static/js/dashboard.js, desk-autoprint.js), and with several workers
the server refuses polling at once rather than losing its sessions later.
"""
import ipaddress
import os
import socket
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import tls
from ..extensions import db
from ..scheduler import Scheduler, TaskBaton, serving_tasks, shared_tasks
from . import ensure_schema


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=100, show_default=True, type=int,
              help="Threads of each worker process; every open screen holds one.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core on PostgreSQL with a Redis URL, else 1; "
                   "more than 1 needs a Redis URL).")
@click.option("--tasks/--no-tasks", "tasks", default=None,
              help="Run the background tasks here (default: the TASKS setting, on); "
                   "--no-tasks where another node or `gate worker` runs them.")
@click.option("--https", "https", is_flag=True,
              help="Serve TLS: tablet cameras work only on secure pages. Without --cert/--key a self-signed "
                   "certificate is made once and kept in the instance folder.")
@click.option("--cert", "cert_file", metavar="FILE", help="Your certificate (PEM, with any chain); implies --https.")
@click.option("--key", "key_file", metavar="FILE", help="Its private key (PEM, unencrypted).")
@with_appcontext
def serve(host: str, port: int, threads: int, workers: int | None, tasks: bool | None, https: bool,
          cert_file: str | None, key_file: str | None) -> None:
    """Migrate the database if needed, then serve until stopped."""
    app = current_app._get_current_object()
    workers = _workers(app, workers)
    certificate = _certificate(app, https, cert_file, key_file)  # a bad file stops us before anything else
    ensure_schema()
    db.engine.dispose()  # no pooled connection may cross gunicorn's fork
    scheme = "https" if certificate else "http"
    click.echo(f"Serving on {scheme}://{host}:{port} with {workers} worker{'s' if workers > 1 else ''}  "
               f"(database: {_safe_url(app)})", err=True)
    if certificate:
        _tell_certificate(certificate, host, port, own=bool(cert_file))
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        from ..extensions import socketio

        if workers > 1:
            raise click.ClickException("several workers need gunicorn: pip install '.[server]'") from None
        click.echo("gunicorn is not installed (pip install '.[server]'); using the development server", err=True)
        scheduler = Scheduler(app, serving_tasks(app.config, shared=tasks)).start()
        ssl = {"ssl_context": (str(certificate.cert_path), str(certificate.key_path))} if certificate else {}
        try:
            socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, **ssl)
        finally:
            scheduler.stop()
        return
    if workers > 1:
        _websocket_only()
    own, shared = _worker_schedulers(app, tasks)
    baton = TaskBaton()

    def worker_started(_worker) -> None:  # in the worker, after the fork: a thread never survives one
        _own_queue_identity()
        own.start()
        if shared.tasks:
            baton.run_when_held(shared, lambda: click.echo(f"Background tasks run in worker {os.getpid()}", err=True))

    def worker_exiting(_server, _worker) -> None:
        shared.stop(5)
        own.stop(5)

    options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
               "accesslog": None, "timeout": 60, "graceful_timeout": 10, "keepalive": 30,
               "post_worker_init": worker_started, "worker_exit": worker_exiting}
    if certificate:
        options.update(certfile=str(certificate.cert_path), keyfile=str(certificate.key_path))
    _gunicorn(app, options)


def _workers(app, asked: int | None) -> int:
    """The worker processes to run: as asked, else the default; several only where they stay correct."""
    shared_queue = bool(app.config["REDIS_URL"])
    if asked is not None:
        if asked > 1 and not shared_queue:
            raise click.UsageError("--workers above 1 needs a Redis URL (GATE_REDIS_URL): without a shared queue "
                                   "a dashboard would only see what its own worker judged")
        return asked
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    # SQLite takes one writer at a time: more processes only add lock polling (README "Speed" has the figures).
    return _cores() if shared_queue and not sqlite else 1


def _cores() -> int:
    """The cores this process may run on (all of them where the system cannot say)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _websocket_only() -> None:
    """Refuse Socket.IO's long-polling: its requests would land on any worker, and its session lives in one."""
    from ..extensions import socketio

    socketio.server.eio.transports = ["websocket"]


def _own_queue_identity() -> None:
    """Give this worker its own id on the Socket.IO queue. The queue's client was made before the fork, so
    every worker would share one id, and each skips messages carrying its own id as already delivered:
    a dashboard would see only what its own worker emitted."""
    from ..extensions import socketio

    manager = socketio.server.manager
    if hasattr(manager, "host_id"):  # a message queue is set (REDIS_URL)
        manager.host_id = uuid.uuid4().hex


def _worker_schedulers(app, tasks: bool | None) -> tuple[Scheduler, Scheduler]:
    """Each worker's own tasks (every worker runs them), and the shared ones (the TaskBaton's holder only)."""
    shared = bool(app.config["TASKS"]) if tasks is None else tasks
    return (Scheduler(app, serving_tasks(app.config, shared=False)),
            Scheduler(app, shared_tasks(app.config) if shared else []))


def _certificate(app, https: bool, cert_file: str | None, key_file: str | None) -> tls.Certificate | None:
    """The certificate to serve with, or None for plain HTTP; a file that cannot be used ends the command."""
    if bool(cert_file) != bool(key_file):
        raise click.UsageError("--cert and --key go together: give both, or neither for a self-signed certificate")
    try:
        if cert_file:
            return tls.own_certificate(cert_file, key_file)
        return tls.instance_certificate(app.instance_path) if https else None
    except tls.CertificateError as error:
        raise click.ClickException(str(error)) from None


def _tell_certificate(certificate: tls.Certificate, host: str, port: int, own: bool) -> None:
    """Say which certificate serves, its fingerprint, and the addresses to open."""
    wildcard = host in ("0.0.0.0", "::", "")
    addresses = ["localhost", socket.gethostname(), *tls.lan_addresses()] if wildcard else \
        ["localhost", host] if _is_loopback(host) else [host]
    lines = [certificate.news, f"  valid until {certificate.not_after:%Y-%m-%d}; SHA-256 fingerprint:",
             f"  {certificate.fingerprint}",
             "Open: " + "  ".join(f"https://{_bracketed(a)}:{port}/" for a in dict.fromkeys(addresses))]
    if _is_loopback(host):
        lines.append("Only this machine can reach it: add --host 0.0.0.0 to open it from tablets on the LAN.")
    unnamed = [] if own else tls.missing_names(certificate, addresses)
    if unnamed:  # the machine's address changed since the certificate was made
        lines.append(f"The certificate does not name {', '.join(unnamed)}: delete {certificate.cert_path} "
                     "to have a new one made at the next start.")
    if not own:
        lines.append("Browsers warn about a self-signed certificate: accept it only if the SHA-256 fingerprint "
                     "they show is the one above.")
    click.echo("\n".join(lines), err=True)


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _safe_url(app) -> str:
    from sqlalchemy.engine import make_url

    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)


def _gunicorn(app, options: dict) -> None:
    """Run gunicorn from Python, so `gate serve` needs no config file."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()


def register(group: click.Group) -> None:
    group.add_command(serve)
