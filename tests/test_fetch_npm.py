"""scripts/fetch_npm.py: pinned, checksummed downloads; plotly.js from PyPI's wheel when the
npm registry cannot give it; a required one missing fails setup loudly."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.util
import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fetch_npm.py"


@pytest.fixture
def fetch(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("fetch_npm", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fetch_npm", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    for name, pin in module.FILES.items():  # every file into tmp_path
        module.FILES[name] = dataclasses.replace(pin, target=tmp_path / pin.target.name)
    for name, wheel in module.FALLBACKS.items():
        module.FALLBACKS[name] = dataclasses.replace(wheel, target=tmp_path / wheel.target.name)
    module.folder = tmp_path
    return module


def tarball(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_integrity_accepts_the_right_bytes_and_refuses_others(fetch):
    data = b"plotly"
    pin = dataclasses.replace(fetch.FILES["plotly"], integrity=integrity(data))
    fetch.check_integrity(pin, data)
    with pytest.raises(ValueError, match="checksum mismatch"):
        fetch.check_integrity(pin, b"plotly, tampered")


def test_extract_finds_the_file_or_says_it_is_missing(fetch):
    pin = fetch.FILES["plotly"]
    assert fetch.extract(pin, tarball({pin.member: b"js"})) == b"js"
    with pytest.raises(ValueError, match="no package/plotly-gl2d.min.js"):
        fetch.extract(pin, tarball({"package/README.md": b"hi"}))


def wheel(folder: Path, member: str, data: bytes) -> Path:
    """A minimal real wheel of plotly 7.1.0 holding `member`, in `folder` (for pip)."""
    path = folder / "plotly-7.1.0-py3-none-any.whl"
    info = "plotly-7.1.0.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, data)
        archive.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: plotly\nVersion: 7.1.0")
        wheel_tags = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any"
        archive.writestr(f"{info}/WHEEL", wheel_tags)
        archive.writestr(f"{info}/RECORD", "")
    return path


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No npm registry, and pip sees only the wheels in the folder this returns."""
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "http://127.0.0.1:9")  # nothing listens there
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return wheels


def test_without_npm_plotly_js_comes_from_the_pinned_wheel_on_pypi(fetch, offline, capsys):
    pin = fetch.FALLBACKS["plotly"]
    built = wheel(offline, pin.member, b"/* plotly.js, full */")
    fetch.FALLBACKS["plotly"] = pin = dataclasses.replace(
        pin, sha256=hashlib.sha256(built.read_bytes()).hexdigest()
    )
    assert fetch.main(["plotly"]) == 0
    assert "taking plotly==7.1.0's from PyPI" in capsys.readouterr().err
    assert pin.target.read_bytes() == b"/* plotly.js, full */"
    assert sorted(p.name for p in fetch.folder.iterdir()) == ["plotly-7.1.0.min.js", "wheels"]
    assert fetch.main(["plotly"]) == 0  # there: not fetched again
    assert "ready: plotly-7.1.0.min.js" in capsys.readouterr().out


def test_a_wheel_that_is_not_the_pinned_one_is_refused(fetch, offline, capsys):
    pin = fetch.FALLBACKS["plotly"]
    wheel(offline, pin.member, b"/* not the pinned wheel */")  # another hash than the pin's
    assert fetch.main(["plotly"]) == 1  # the map needs it: setup must fail loudly
    err = capsys.readouterr().err
    assert "nor plotly==7.1.0" in err and "the map cannot be drawn" in err
    assert [p.name for p in fetch.folder.iterdir()] == ["wheels"]  # nothing written


def test_offline_setup_fails_without_plotly_or_axe(fetch, offline, capsys):
    assert fetch.main(["plotly"]) == 1  # no registry, no wheel
    assert "the map cannot be drawn" in capsys.readouterr().err
    assert fetch.main(["axe"]) == 1  # the tests need it: setup --test must fail loudly
    assert "accessibility tests cannot run" in capsys.readouterr().err
    assert [p.name for p in fetch.folder.iterdir()] == ["wheels"]
    assert fetch.main(["plotly", "nonsense"]) == 2


def test_a_verified_download_is_written_whole(fetch, monkeypatch):
    pin = fetch.FILES["axe"]
    data = tarball({pin.member: b"/* axe */"})
    fetch.FILES["axe"] = pin = dataclasses.replace(pin, integrity=integrity(data))
    monkeypatch.setattr(fetch.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(data))
    assert fetch.main(["axe"]) == 0
    assert pin.target.read_bytes() == b"/* axe */"
    assert [p.name for p in fetch.folder.iterdir()] == [pin.target.name]  # no temp file left
