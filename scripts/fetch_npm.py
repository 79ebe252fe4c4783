"""Fetch single files from pinned npm packages, checked against their published sha512.

    .venv/bin/python scripts/fetch_npm.py plotly       # the app's small plotly.js (setup)
    .venv/bin/python scripts/fetch_npm.py axe          # axe-core, for the browser tests

plotly: the map needs only Plotly's core and `scattergl`. The full plotly.js inside the
plotly Python package is 4.8 MB, and evaluating it is the largest single cost of the
first page load: measured in headless Chromium on 2 cores, the map is drawn 1.2 s
sooner with the 1.6 MB gl2d bundle (3.6-3.8 s after `streamlit run` instead of 4.8-5.1 s).
It is optional: without the registry (offline), the app uses the full bundle from the
Python package.

axe: axe-core, the accessibility checker the browser tests inject into the page
(tests/browser/test_screens.py). Required by the tests: setup --test fails without it.

Each comes as a pinned tarball, checked against its published sha512 before anything is
written, and is written atomically (a reader never sees half a file).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"
TOOLS = ROOT / ".cache" / "npm"  # test tools, never served


@dataclass(frozen=True)
class Pinned:
    package: str
    version: str
    integrity: str  # the registry's metadata for this version (dist.integrity)
    member: str  # the file inside the tarball
    target: Path
    required: bool  # False: setup goes on without it (saying what that costs)
    without: str = ""  # what happens without it


FILES = {
    "plotly": Pinned(
        "plotly.js-gl2d-dist-min",
        "3.7.0",
        "sha512-3vR+89HBYkuLNIx/DmIQbIG6JW+4Ok6MMuWVNYO4OsghZR2n0fB+XL241buc0YsvNWKtLV1YtRrPUiZmOdvBsw==",
        "package/plotly-gl2d.min.js",
        STATIC / "plotly-gl2d-3.7.0.min.js",  # the app looks for this name
        required=False,
        without="the app uses the full plotly.js",
    ),
    "axe": Pinned(
        "axe-core",
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        "package/axe.min.js",
        TOOLS / "axe-core-4.14.1.min.js",
        required=True,
        without="the accessibility tests cannot run",
    ),
}


def tarball_url(pin: Pinned) -> str:
    registry = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")
    name = pin.package.rsplit("/", 1)[-1]
    return f"{registry}/{pin.package}/-/{name}-{pin.version}.tgz"


def check_integrity(pin: Pinned, data: bytes) -> None:
    algorithm, _, expected = pin.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise ValueError(f"{pin.package} {pin.version}: checksum mismatch, refusing the download")


def extract(pin: Pinned, data: bytes) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        try:
            member = tar.extractfile(pin.member)
        except KeyError:
            member = None
        if member is None:
            raise ValueError(f"{pin.package} {pin.version}: no {pin.member} in the tarball")
        return member.read()


def fetch(pin: Pinned) -> int:
    """0 when the file is there (or optional and could not be fetched), else 1."""
    if pin.target.is_file():
        print(f"ready: {pin.target.name}")
        return 0
    try:
        with urllib.request.urlopen(tarball_url(pin), timeout=60) as response:
            data = response.read()
        check_integrity(pin, data)
        script = extract(pin, data)
    except (OSError, ValueError, tarfile.TarError) as e:
        print(f"note: could not fetch {pin.package} ({e}); {pin.without}", file=sys.stderr)
        return 1 if pin.required else 0
    pin.target.parent.mkdir(parents=True, exist_ok=True)
    tmp = pin.target.with_suffix(".tmp")
    tmp.write_bytes(script)
    tmp.replace(pin.target)  # atomic: nothing ever reads half a file
    print(f"ready: {pin.target.name} ({len(script) / 1e6:.1f} MB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    names = sys.argv[1:] if argv is None else argv
    unknown = [n for n in names if n not in FILES]
    if not names or unknown:
        print(f"usage: fetch_npm.py {{{'|'.join(FILES)}}} ...", file=sys.stderr)
        return 2
    return max(fetch(FILES[n]) for n in names)


if __name__ == "__main__":
    sys.exit(main())
