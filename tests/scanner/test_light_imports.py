"""The rules and code reading import without image or web libraries: the server's scan path and
a gate without a camera load them, and nothing heavy may come along."""
import json
import subprocess
import sys

HEAVY = ("cv2", "numpy", "flask", "sqlalchemy")


def loaded_after(statement: str) -> list[str]:
    """Which heavy modules a fresh interpreter holds after running `statement`."""
    probe = f"import sys, json; {statement}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_rules_core_imports_alone() -> None:
    assert loaded_after("import scanner.rules") == []


def test_code_reading_and_the_gate_pack_import_without_numpy_or_opencv() -> None:
    assert loaded_after("import scanner.ticket_codes, scanner.gate_pack, scanner.local_judge") == []


def test_decoding_still_loads_on_first_use() -> None:
    assert loaded_after("import scanner; scanner.decode") == ["cv2", "numpy"]
