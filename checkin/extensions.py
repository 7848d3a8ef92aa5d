"""Flask extensions, created once and bound to the app in create_app."""
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from .session import Session


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


# Objects stay readable after commit: answers are built from what was just
# written, and reloading each one would cost a query (and on SQLite a lock).
# The session class keeps what each transaction causes (session.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": Session, "expire_on_commit": False})
migrate = Migrate()
socketio = SocketIO()
