"""What the README's run command installs (the package with its `server` extra) is enough for
every command the README names: `gate`, `gate serve` and `gate-scan`."""
import ast
import importlib.metadata as md
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("checkin", "badges", "scanner")


def _installed_by(dist: str, extras: set[str], seen: set[str]) -> set[str]:
    """The distributions `pip install dist[extras]` brings, by normalised name."""
    name = _normal(dist)
    if name in seen:
        return seen
    seen.add(name)
    for text in md.requires(dist) or []:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras or {""}):
            if _normal(req.name) == name:  # the package naming its own extras
                _installed_by(dist, set(req.extras), seen - {name})
                seen.add(name)
            else:
                _installed_by(req.name, set(req.extras), seen)
    return seen


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _module_level_imports(path: Path) -> set[str]:
    """Top-level names imported when the module loads (not inside functions or try blocks)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_run_command_installs_every_module_level_import():
    installed = _installed_by("gate-checkin", {"server"}, set())
    providers = md.packages_distributions()
    missing = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for name in _module_level_imports(path):
                if name in sys.stdlib_module_names or name in PACKAGES or name == "__future__":
                    continue
                dists = {_normal(d) for d in providers.get(name, [])}
                if not dists & installed:
                    missing.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert missing == {}, f"imported at load time but not installed by '.[server]': {missing}"
