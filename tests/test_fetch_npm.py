"""scripts/fetch_npm.py: pinned, checksummed downloads; an optional one never breaks setup."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.util
import io
import sys
import tarfile
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


def test_offline_setup_goes_on_without_plotly_but_not_without_axe(fetch, monkeypatch, capsys):
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "http://127.0.0.1:9")  # nothing listens there
    assert fetch.main(["plotly"]) == 0
    assert "uses the full plotly.js" in capsys.readouterr().err
    assert fetch.main(["axe"]) == 1  # the tests need it: setup --test must fail loudly
    assert "accessibility tests cannot run" in capsys.readouterr().err
    assert not list(fetch.folder.iterdir())
    assert fetch.main(["plotly", "nonsense"]) == 2


def test_a_verified_download_is_written_whole(fetch, monkeypatch):
    pin = fetch.FILES["axe"]
    data = tarball({pin.member: b"/* axe */"})
    fetch.FILES["axe"] = pin = dataclasses.replace(pin, integrity=integrity(data))
    monkeypatch.setattr(fetch.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(data))
    assert fetch.main(["axe"]) == 0
    assert pin.target.read_bytes() == b"/* axe */"
    assert [p.name for p in fetch.folder.iterdir()] == [pin.target.name]  # no temp file left
