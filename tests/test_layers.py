"""The packages of app/ stand in one-way layers (docs/architecture.md): a lower layer never imports a higher one,
and no package or module imports itself in a loop. The contracts are import-linter's, in pyproject.toml; imports
inside functions count. A broken contract fails here with import-linter's report: which import breaks which rule."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_in_app_points_down_and_none_runs_in_a_loop():
    linted = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )

    assert linted.returncode == 0, linted.stdout[-6000:] + linted.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in linted.stdout
