"""The pages: plain HTML, CSS and JavaScript modules from static/ (no build step)."""
from pathlib import Path

from flask import Blueprint, Flask, abort, send_from_directory

# static/ sits beside the packages in a checkout and inside checkin/ in a wheel.
_CANDIDATES = [Path(__file__).resolve().parent.parent / "static", Path(__file__).resolve().parent / "static"]
STATIC = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[0])

bp = Blueprint("pages", __name__)

PAGES = {"": "index.html", "gate": "gate.html", "desk": "desk.html", "box": "box.html",
         "dashboard": "dashboard.html", "pair": "pair.html", "kiosk": "kiosk.html"}


@bp.get("/", defaults={"page": ""})
@bp.get("/<page>")
def page(page: str):
    """A screen: the HTML shell; it loads its module and talks to the API."""
    name = PAGES.get(page)
    if name is None or not (STATIC / name).is_file():
        abort(404)
    return send_from_directory(STATIC, name, max_age=0)


@bp.get("/desk/layout")
def desk_layout():
    """The badge desk's layout page: an event's logo, colours and layouts, previewed on real tickets."""
    return send_from_directory(STATIC, "desk-layout.html", max_age=0)


@bp.get("/static/<path:path>")
def asset(path: str):
    """CSS, JavaScript modules and vendored files."""
    return send_from_directory(STATIC, path, max_age=60)


def serve_docs_page(app: Flask) -> None:
    """The API docs (/api/v1/docs) from static/docs.html: Swagger UI started by a script file, not
    the inline script of APIFlask's page, which the pages' Content-Security-Policy would stop."""
    app.view_functions["openapi.docs"] = lambda: send_from_directory(STATIC, "docs.html", max_age=0)
