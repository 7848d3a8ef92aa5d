"""`gate doctor`: every check says ok on a machine set up as the README says, and each
problem is named with its fix."""
import shutil
from pathlib import Path

from badges import fonts

NOTO = Path("/usr/share/fonts/truetype/noto")


def lines(result) -> dict[str, str]:
    """The report as {check name: its line and any fix line}."""
    out: dict[str, str] = {}
    last = None
    for line in result.output.splitlines():
        if line.startswith(("FAIL", " ok ")):
            last = line[6:].split(":")[0]
            out[last] = line
        elif line.strip().startswith("fix:") and last:
            out[last] += "\n" + line
    return out


def test_doctor_finds_everything_on_this_machine(runner):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    report = lines(result)
    assert all(line.startswith(" ok ") for line in report.values()), result.output
    assert {"QR decoding", "font", "instance folder", "database"} <= set(report)
    assert "Everything the service needs is here." in result.output


def test_doctor_names_missing_fonts_with_the_package_to_install(runner, tmp_path, monkeypatch):
    shutil.copy(NOTO / "NotoSans-Regular.ttf", tmp_path)
    monkeypatch.setattr(fonts, "DEFAULT_FONT_DIRS", ())
    monkeypatch.setenv("BADGE_FONT_DIRS", str(tmp_path))
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "font: Latin: found" in result.output
    for script, package in (("Arabic", "fonts-noto-core"), ("Korean", "fonts-droid-fallback")):
        [line] = [x for x in result.output.split("FAIL")[1:] if x.strip().startswith(f"font: {script}")]
        assert "no font has" in line and f"apt-get install {package}" in line


def test_doctor_reports_an_unwritable_instance_folder_and_a_silent_redis(app, runner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app.instance_path = str(blocker / "instance")
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # the discard port: nothing answers there
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    report = lines(result)
    assert report["instance folder"].startswith("FAIL") and "fix: make" in report["instance folder"]
    assert report["Redis"].startswith("FAIL") and "GATE_REDIS_URL" in report["Redis"]
    assert "2 problem(s) found" in result.output


def test_doctor_tells_an_old_schema_to_upgrade(app, runner):
    from sqlalchemy import text

    from checkin.extensions import db

    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'aaaaaaaaaaaa'"))
        db.session.commit()
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "gate db upgrade" in lines(result)["database"]
