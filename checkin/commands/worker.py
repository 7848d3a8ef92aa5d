"""`gate worker`: the background tasks alone, no HTTP, for nodes that serve with `--no-tasks`."""
import logging
import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from ..scheduler import Scheduler, shared_tasks
from . import ensure_schema


@click.command("worker")
@with_appcontext
def worker() -> None:
    """Run the background tasks (expired holds, device watch, counter purge, webhooks) until stopped."""
    ensure_schema()
    # What the tasks did and what failed is all this process has to say.
    logging.getLogger("checkin").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    scheduler = Scheduler(app, shared_tasks(app.config))
    click.echo(f"Running {len(scheduler.tasks)} background tasks; stop with Ctrl-C or SIGTERM", err=True)
    scheduler.start()
    try:
        signal.signal(signal.SIGTERM, _exit)
        scheduler.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        scheduler.stop()  # the running task finishes; its transaction is never cut half-way


def _exit(_signum, _frame) -> None:
    # Raised on the main thread, which only waits on the scheduler: stopping happens there.
    raise SystemExit(0)


def register(group: click.Group) -> None:
    group.add_command(worker)
