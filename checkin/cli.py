"""The `gate` command: Flask's CLI group bound to create_app."""
import click
from flask.cli import FlaskGroup

from . import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False)
def main() -> None:
    """Gate check-in and badge service."""


def init_cli(app) -> None:
    """Add the service's commands to app.cli (so `gate` and the test runner both see them)."""
    from .commands import box, demo, devices, doctor, events, imports, printers, serve, tokens, worker

    for module in (demo, imports, serve, worker, events, tokens, devices, box, doctor, printers):
        module.register(app.cli)
