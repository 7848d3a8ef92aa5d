"""bench/doors_open.py runs end to end on a tiny event, so the rehearsal cannot rot unnoticed."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("GATE_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("GATE_TEST_REDIS_URL")
DATABASES = ["sqlite"] + (["postgres"] if POSTGRES_URL and REDIS_URL else [])


@pytest.mark.slow
@pytest.mark.parametrize("database", DATABASES)
def test_the_rehearsal_runs_every_action_and_its_counts_agree(database):
    command = [sys.executable, str(ROOT / "bench" / "doors_open.py"), "--tickets", "400", "--seconds", "3",
               "--screens", "2", "--only", database]
    if database == "postgres":
        command += ["--database-url", POSTGRES_URL, "--redis-url", REDIS_URL]
    done = subprocess.run(command, capture_output=True, text=True, timeout=150, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in done.stdout.splitlines() if line.startswith("| ")}
    for action in ("scan", "pack first fetch", "pack incremental", "hold", "sale", "print job", "print take",
                   "print report", "dashboard delay"):
        assert int(rows[action][2].split()[0]) > 0, (action, done.stdout)
    assert rows["scan"][5:8] == ["0", "0", "0"], done.stdout  # no 5xx, timeout or unexpected 4xx on a scan
    assert rows["counts equal to the recount"] == ["equal", "yes"], done.stdout
    assert "dashboards whose last snapshot equals /counts/live: 2 of 2" in done.stdout
