"""scripts/fetch_plotly.py: a pinned, checksummed download that never breaks setup."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fetch_plotly.py"


@pytest.fixture
def fetch(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("fetch_plotly", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "STATIC", tmp_path)
    monkeypatch.setattr(module, "TARGET", tmp_path / "plotly-gl2d-test.min.js")
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
    fetch.check_integrity(data, integrity(data))
    with pytest.raises(ValueError, match="checksum mismatch"):
        fetch.check_integrity(b"plotly, tampered", integrity(data))


def test_extract_finds_the_bundle_or_says_it_is_missing(fetch):
    assert fetch.extract(tarball({fetch.MEMBER: b"js"})) == b"js"
    with pytest.raises(ValueError, match="no package/plotly-gl2d.min.js"):
        fetch.extract(tarball({"package/README.md": b"hi"}))


def test_offline_setup_goes_on_without_the_file(fetch, monkeypatch, capsys):
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "http://127.0.0.1:9")  # nothing listens there
    assert fetch.main() == 0
    assert "uses the full plotly.js" in capsys.readouterr().err
    assert not fetch.TARGET.exists() and not list(fetch.STATIC.iterdir())


def test_a_verified_download_is_written_whole(fetch, monkeypatch):
    data = tarball({fetch.MEMBER: b"/* plotly gl2d */"})
    monkeypatch.setattr(fetch, "INTEGRITY", integrity(data))
    monkeypatch.setattr(fetch.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(data))
    assert fetch.main() == 0
    assert fetch.TARGET.read_bytes() == b"/* plotly gl2d */"
    assert [p.name for p in fetch.STATIC.iterdir()] == [fetch.TARGET.name]  # no temp file left
