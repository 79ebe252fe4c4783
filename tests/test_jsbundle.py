"""vae/jsbundle.py: the page's ES modules as one script, run by node as the browser would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vae.jsbundle import BundleError, bundle

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")
needs_node = pytest.mark.usefixtures("node")


@pytest.fixture
def node():
    """scripts/setup.sh --test installs it; without it these tests fail, they never skip."""
    assert NODE is not None, "node is missing: run scripts/setup.sh --test"


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run_module(source: str, tmp_path: Path) -> str:
    path = tmp_path / "bundle.mjs"
    path.write_text(source)
    return subprocess.run([NODE, str(path)], capture_output=True, text=True, check=True).stdout


@needs_node
def test_a_bundle_runs_like_its_modules(tmp_path):
    write(
        tmp_path,
        {
            "core/a.js": (
                "const hidden = 2;\nexport function twice(x) { return hidden * x; }\n"
                "export const K = 5;\n"
            ),
            "core/b.js": (
                'import { twice } from "./a.js";\n'
                "export class Box { get v() { return twice(3); } }\n"
            ),
            "core/c.js": "function f() { return 7; }\nconst g = 1;\nexport { f, g as gee };\n",
            "main.js": (
                "import { Box } from \"./core/b.js\";\n"
                "import { K, twice as t2 } from \"./core/a.js\";\n"
                'import * as c from "./core/c.js";\n'
                "console.log(new Box().v, K, t2(10), c.f(), c.gee);\n"
                "export default function () {}\n"
            ),
        },
    )
    # node runs the modules themselves and the bundle: same output
    direct = subprocess.run(
        [NODE, str(tmp_path / "main.js")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"NODE_OPTIONS": "--experimental-default-type=module"},
    )
    out = run_module(bundle(tmp_path / "main.js"), tmp_path)
    assert out.split() == ["6", "5", "20", "7", "1"]
    assert direct.returncode == 0, direct.stderr
    assert direct.stdout == out
    # each module appears once, and a module's private names stay private
    text = bundle(tmp_path / "main.js")
    assert text.count("const hidden = 2") == 1
    assert "hidden" not in text.split("return {")[1].split("}")[0]


@needs_node
def test_a_classic_script_bundle_has_no_exports(tmp_path):
    write(
        tmp_path,
        {
            "a.js": "export const A = 1;\n",
            "page.js": (
                'import { A } from "./a.js";\n'
                "export function start() { console.log(A + 1); }\nstart();\n"
            ),
        },
    )
    text = bundle(tmp_path / "page.js", module=False)
    assert "export " not in text
    path = tmp_path / "page.cjs"
    path.write_text(text)
    assert (
        subprocess.run([NODE, str(path)], capture_output=True, text=True, check=True).stdout.strip()
        == "2"
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {
                "a.js": 'import { b } from "./b.js";\nexport const a = 1;\n',
                "b.js": 'import { a } from "./a.js";\nexport const b = 2;\n',
            },
            "import cycle",
        ),
        ({"a.js": 'import { x } from "lodash";\nexport const a = 1;\n'}, "not a relative path"),
        ({"a.js": 'import { x } from "./missing.js";\n'}, "does not exist"),
        ({"a.js": 'import { b } from "./b.js";\n', "b.js": "export let b = 1;\n"}, "live binding"),
        ({"a.js": 'import b from "./b.js";\n', "b.js": "export default 1;\n"}, "only `import"),
        (
            {"a.js": 'import { b, c } from "./b.js";\n', "b.js": "export const b = 1;\n"},
            "a.js imports 'c', which .*b.js does not export",
        ),
    ],
)
def test_modules_that_break_the_rules_are_named(tmp_path, files, message):
    write(tmp_path, files)
    with pytest.raises(BundleError, match=message):
        bundle(tmp_path / "a.js")


@needs_node
def test_the_map_component_bundles_and_parses():
    text = bundle(ROOT / "components/latent_map/map.js")
    assert "export default function" in text
    result = subprocess.run(
        [NODE, "--check", "--input-type=module"], input=text, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
