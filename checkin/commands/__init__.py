"""Sub-commands of `gate`; each module registers its commands on the group."""
import click
from marshmallow import ValidationError

from ..errors import DomainError, flatten
from ..extensions import db


def validated(schema, data: dict) -> dict:
    """Load CLI input through the API's own schema, so both refuse the same things."""
    try:
        return schema.load({k: v for k, v in data.items() if v is not None})
    except ValidationError as error:
        fields = flatten(error.messages)
        raise click.UsageError("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())) from None


def call_service(fn, *args, **kwargs):
    """Call a service; a domain error becomes a clear CLI error and nothing is written."""
    try:
        return fn(*args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        lines = [error.detail] + [f"  {field}: {' '.join(msgs)}" for field, msgs in
                                  list((error.errors or {}).items())[:50]]
        raise click.ClickException("\n".join(lines)) from None


def ensure_schema() -> None:
    """Create or migrate the database to the newest revision."""
    from flask_migrate import upgrade

    upgrade()
