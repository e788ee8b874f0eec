"""The wheel users install holds every module, the bundled themes and the app's stylesheet."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_every_module_and_the_themes_from_the_top_of_the_repository(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(tmp_path.glob("rolecall-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    themes = sorted(p.name for p in (ROOT / "themes").glob("*.yaml"))
    assert themes and {f"rolecall/themes/{name}" for name in themes} <= names
    modules = {str(p.relative_to(ROOT / "src")) for p in (ROOT / "src" / "rolecall").rglob("*.py")}
    assert modules - names == set()
    assert "rolecall/tui/app.tcss" in names
