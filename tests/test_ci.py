"""CI runs exactly the README's test command (.ci/run says so; this keeps it true)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = [
        line.split("  #")[0].strip()
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("./scripts/setup.sh --test")
    ]
    run = (ROOT / ".ci" / "run").read_text().splitlines()
    assert len(readme) == 1, readme
    assert readme[0] in run
    assert "set -euo pipefail" in run
    assert "node --test tests/js/*.test.mjs" in readme[0]  # a glob: node >= 21 takes no directory
