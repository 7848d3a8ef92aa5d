"""The gate check-in service: create_app builds the Flask application."""
import os
from pathlib import Path

from apiflask import APIFlask

from . import config
from .auth import NoCookieSession
from .bodies import init_bodies
from .db import init_db
from .errors import init_errors
from .extensions import db, migrate, socketio
from .headers import init_headers
from .live.hub import init_live

MIGRATIONS = str(Path(__file__).with_name("migrations"))


def create_app(test_config: dict | None = None) -> APIFlask:
    """Build the app: settings, extensions, error rendering and blueprints."""
    instance = os.environ.get("GATE_INSTANCE_PATH")  # read before any setting: the settings file lives there
    app = APIFlask(__name__, instance_path=os.path.abspath(instance) if instance else None,
                   instance_relative_config=True, title="Gate check-in API", version="1",
                   spec_path="/api/v1/openapi.json", docs_path="/api/v1/docs", static_folder=None)
    config.load(app, test_config)
    app.json.sort_keys = False  # answers read in the order the contract lists fields
    app.session_interface = NoCookieSession()
    db.init_app(app)
    init_db(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    socketio.server_options.pop("client_manager", None)  # an earlier app's queue must not leak into this one
    socketio.init_app(app, async_mode="threading", message_queue=app.config["REDIS_URL"],
                      cors_allowed_origins=[], channel=app.config.get("SOCKETIO_CHANNEL", "gate-live"))
    _socketio_on_its_path_only(app)
    init_errors(app)
    init_bodies(app)
    init_live(app)

    from . import models  # noqa: F401  (tables must be known before migrations run)
    from .api import bp as api_bp
    from .api import register_views
    from .cli import init_cli
    from .pages import bp as pages_bp
    from .pages import serve_docs_page
    register_views()
    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    serve_docs_page(app)
    init_headers(app)
    init_cli(app)
    return app


def _socketio_on_its_path_only(app: APIFlask) -> None:
    """Send only Socket.IO's own path through its middleware, which copies the environ and
    builds a class on every request it sees: a cost each scan would pay for nothing."""
    middleware = app.wsgi_app
    plain, prefix = middleware.wsgi_app, middleware.engineio_path

    def dispatch(environ, start_response):
        handler = middleware if environ.get("PATH_INFO", "").startswith(prefix) else plain
        return handler(environ, start_response)

    app.wsgi_app = dispatch
