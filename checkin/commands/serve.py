"""`gate serve`: the production server (gunicorn, one worker, many threads), with its background tasks."""
import click
from flask import current_app
from flask.cli import with_appcontext

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
@with_appcontext
def serve(host: str, port: int, threads: int, tasks: bool | None) -> None:
    """Migrate the database if needed, then serve until stopped."""
    ensure_schema()
    app = current_app._get_current_object()
    db.engine.dispose()  # no pooled connection may cross gunicorn's fork
    scheduler = Scheduler(app, serving_tasks(app.config, shared=tasks))
    click.echo(f"Serving on http://{host}:{port}  (database: {_safe_url(app)})", err=True)
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        from ..extensions import socketio

        click.echo("gunicorn is not installed (pip install '.[server]'); using the development server", err=True)
        scheduler.start()
        try:
            socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
        finally:
            scheduler.stop()
        return
    _gunicorn(app, {"bind": f"{host}:{port}", "workers": 1, "threads": threads, "worker_class": "gthread",
                    "accesslog": None, "timeout": 60, "graceful_timeout": 10, "keepalive": 30,
                    # The tasks run in the worker, after the fork: a thread never survives one.
                    "post_worker_init": lambda _worker: scheduler.start(),
                    "worker_exit": lambda _server, _worker: scheduler.stop(5)})


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
