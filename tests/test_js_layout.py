"""The browser code's layout (issue 15): small modules that say what they own, and the
shared logic written once.

Every .js file under components/ has at most MAX_LINES lines and opens with a `//` comment
saying what it owns; `makeDecoder` and `interpolate` are each defined in one file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
SCRIPTS = sorted((ROOT / "components").rglob("*.js"))
# Where the project's own browser code lives (static/ holds vendored bundles): the
# components' modules and the exported page's template.
SOURCES = sorted(
    [p for ext in ("*.js", "*.html") for p in (ROOT / "components").rglob(ext)]
    + sorted((ROOT / "vae").glob("*.html"))
)


def definitions(name: str, text: str) -> int:
    """How many times `name` is defined in a script: function, const/let/var, or method."""
    pattern = (
        rf"\bfunction\s+{name}\s*\(|\b(?:const|let|var)\s+{name}\s*=|^\s*{name}\s*\([^)]*\)\s*\{{"
    )
    return len(re.findall(pattern, text, re.MULTILINE))


def test_there_are_scripts_to_check():
    assert len(SCRIPTS) >= 10, SCRIPTS  # the map's parts, the core, the marker, the replay


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_script_is_small_and_says_what_it_owns(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_LINES, f"{path.name}: {len(lines)} lines (at most {MAX_LINES})"
    assert lines and lines[0].startswith("// ") and len(lines[0]) > 20, (
        f"{path.name} must open with a // comment saying what it owns"
    )


@pytest.mark.parametrize("name", ["makeDecoder", "interpolate"])
def test_shared_logic_is_defined_in_one_file(name):
    where = [p for p in SOURCES if definitions(name, p.read_text(encoding="utf-8"))]
    assert [str(p.relative_to(ROOT)) for p in where] == ["components/latent_map/core/decoder.js"]


def test_definitions_are_recognised():
    text = "function makeDecoder(m) {}\nconst interpolate = (a) => a;\n  makeDecoder(x) {\n"
    assert definitions("makeDecoder", text) == 2
    assert definitions("interpolate", text) == 1
    assert definitions("interpolate", "interpolate(a, b, t, m);\nx = interpolate(1);\n") == 0
