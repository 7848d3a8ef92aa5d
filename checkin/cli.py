"""The `gate` command: serve, demo, tokens, set-up and import."""
import click
from flask.cli import FlaskGroup

from . import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=True,
             add_version_option=False)
def main() -> None:
    """Gate check-in and badge service."""


def _register() -> None:
    from .commands import demo, setup, tokens, serve, imports

    for module in (demo, setup, tokens, serve, imports):
        module.register(main)


_register()
