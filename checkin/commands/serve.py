"""`gate serve`: the production server (gunicorn, one worker, many threads), with its background tasks."""
import ipaddress
import socket

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import tls
from ..extensions import db
from ..scheduler import Scheduler, serving_tasks
from . import ensure_schema


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=100, show_default=True, type=int,
              help="Worker threads; Socket.IO needs one process per node, so scale with threads.")
@click.option("--tasks/--no-tasks", "tasks", default=None,
              help="Run the background tasks here (default: the TASKS setting, on); "
                   "--no-tasks where another node or `gate worker` runs them.")
@click.option("--https", "https", is_flag=True,
              help="Serve TLS: tablet cameras work only on secure pages. Without --cert/--key a self-signed "
                   "certificate is made once and kept in the instance folder.")
@click.option("--cert", "cert_file", metavar="FILE", help="Your certificate (PEM, with any chain); implies --https.")
@click.option("--key", "key_file", metavar="FILE", help="Its private key (PEM, unencrypted).")
@with_appcontext
def serve(host: str, port: int, threads: int, tasks: bool | None, https: bool, cert_file: str | None,
          key_file: str | None) -> None:
    """Migrate the database if needed, then serve until stopped."""
    app = current_app._get_current_object()
    certificate = _certificate(app, https, cert_file, key_file)  # a bad file stops us before anything else
    ensure_schema()
    db.engine.dispose()  # no pooled connection may cross gunicorn's fork
    scheduler = Scheduler(app, serving_tasks(app.config, shared=tasks))
    scheme = "https" if certificate else "http"
    click.echo(f"Serving on {scheme}://{host}:{port}  (database: {_safe_url(app)})", err=True)
    if certificate:
        _tell_certificate(certificate, host, port, own=bool(cert_file))
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        from ..extensions import socketio

        click.echo("gunicorn is not installed (pip install '.[server]'); using the development server", err=True)
        scheduler.start()
        ssl = {"ssl_context": (str(certificate.cert_path), str(certificate.key_path))} if certificate else {}
        try:
            socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, **ssl)
        finally:
            scheduler.stop()
        return
    options = {"bind": f"{host}:{port}", "workers": 1, "threads": threads, "worker_class": "gthread",
               "accesslog": None, "timeout": 60, "graceful_timeout": 10, "keepalive": 30,
               # The tasks run in the worker, after the fork: a thread never survives one.
               "post_worker_init": lambda _worker: scheduler.start(),
               "worker_exit": lambda _server, _worker: scheduler.stop(5)}
    if certificate:
        options.update(certfile=str(certificate.cert_path), keyfile=str(certificate.key_path))
    _gunicorn(app, options)


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
