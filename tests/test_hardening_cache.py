"""Issue 11, items 2 and 3: only the project's solcjs runs, and cache entries are checked
against the hash recorded when they were written (real builds, real solcjs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import tiny_config
from zkverify.circuit import build
from zkverify.errors import CacheError
from zkverify.files import sha256_file
from zkverify.manifest import CircuitDir
from zkverify.solc import cache_dir, compile_sources

PACKAGE = Path(__file__).resolve().parent.parent / "zkverify"
REAL_SOLCJS = PACKAGE.parent / "node_modules" / ".bin" / "solcjs"
COMPILE = ("from zkverify.solc import compile_sources; "
           "print(len(compile_sources({'A.sol': 'contract A { uint x = 7; }'})['A'].runtime))")


def _plant_solcjs(where: Path, marker: Path) -> None:
    bin_dir = where / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "solcjs"
    script.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{}}'\n")
    script.chmod(0o755)


def test_planted_solcjs_in_cwd_or_path_never_runs(tmp_path: Path) -> None:
    """A non-editable install (the package copied into a site dir, no node_modules beside it),
    run inside an untrusted checkout that ships node_modules/.bin/solcjs, also on $PATH."""
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "zkverify", ignore=shutil.ignore_patterns("__pycache__"))
    checkout, marker = tmp_path / "checkout", tmp_path / "planted-ran"
    _plant_solcjs(checkout, marker)
    env = {k: v for k, v in os.environ.items() if k != "ZKVERIFY_SOLCJS"}
    env.update(PYTHONPATH=str(site), ZKVERIFY_CACHE_DIR=str(tmp_path / "cache"),
               PATH=f"{checkout / 'node_modules' / '.bin'}:{env.get('PATH', '')}")
    r = subprocess.run([sys.executable, "-c", COMPILE], cwd=checkout, env=env,
                       capture_output=True, text=True, timeout=120)
    assert not marker.exists(), "the planted solcjs ran"
    assert r.returncode != 0 and "solcjs not found" in r.stderr and "ZKVERIFY_SOLCJS" in r.stderr
    # Named explicitly, the pinned solcjs runs (and still not the planted one).
    env["ZKVERIFY_SOLCJS"] = str(REAL_SOLCJS)
    r = subprocess.run([sys.executable, "-c", COMPILE], cwd=checkout, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) > 0 and not marker.exists()


def test_project_solcjs_wins_over_planted_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "planted-ran"
    _plant_solcjs(tmp_path, marker)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZKVERIFY_SOLCJS", raising=False)
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(tmp_path / "cache"))
    assert compile_sources({"A.sol": "contract A { uint x = 9; }"}, use_cache=False)["A"].runtime
    assert not marker.exists()


def _swap(path: Path, data: bytes) -> None:
    """Replace a (read-only) cache file the way someone with write access to the dir would."""
    tmp = path.with_name(path.name + ".evil")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_swapped_cache_entries_are_not_used(tiny_circuit: CircuitDir, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of vk, settings and SRS swapped in turn (calibration and setup are not
    byte-deterministic, so the check is that the doctored bytes are gone, not equality)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(cache))
    first = build(tiny_circuit.onnx, tmp_path / "c1", tiny_config(name="t"))
    (slot,) = (cache / "keys").iterdir()
    vk = bytearray(first.circuit.vk.read_bytes())
    vk[-1] ^= 1
    _swap(slot / "vk.key", bytes(vk))
    second = build(tiny_circuit.onnx, tmp_path / "c2", tiny_config(name="t"))
    assert second.manifest.calibration["settings_reused"]  # same settings: the same key slot
    assert not second.keys_reused
    assert second.circuit.vk.read_bytes() != bytes(vk)
    assert (slot / "vk.key").read_bytes() != bytes(vk)  # the slot was rebuilt
    assert second.manifest.artifacts["vk.key"] == sha256_file(second.circuit.vk)

    (cached_settings,) = (cache / "settings").glob("*.json")
    doctored = json.loads(cached_settings.read_text())
    doctored["run_args"]["tampered"] = True
    _swap(cached_settings, json.dumps(doctored).encode())
    third = build(tiny_circuit.onnx, tmp_path / "c3", tiny_config(name="t"))
    assert not third.manifest.calibration["settings_reused"]
    assert "tampered" not in third.circuit.settings_json()["run_args"]

    srs = cache / "srs" / "dev-k10.srs"
    garbage = os.urandom(srs.stat().st_size)
    _swap(srs, garbage)
    fourth = build(tiny_circuit.onnx, tmp_path / "c4", tiny_config(name="t"))
    assert fourth.manifest.srs["reused"] is False
    assert fourth.circuit.srs.read_bytes() != garbage and srs.read_bytes() != garbage


def test_swapped_compiled_bytecode_is_recompiled(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(tmp_path))
    src = {"A.sol": "contract A { uint x = 11; }"}
    real = compile_sources(src)["A"]
    (entry,) = cache_dir().glob("*.json")
    doctored = json.loads(entry.read_text())
    doctored["contracts"]["A.sol"]["A"]["evm"]["deployedBytecode"]["object"] = "600160005260206000f3"
    entry.write_text(json.dumps(doctored))
    again = compile_sources(src)["A"]
    assert again.runtime == real.runtime and again.bytecode == real.bytecode
    # ... and the entry was rewritten with the real output.
    assert json.loads(entry.read_text()) != doctored


def test_planted_symlinks_in_the_cache_are_refused(tiny_circuit: CircuitDir, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cache, elsewhere = tmp_path / "cache", tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache.mkdir()
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(cache))
    (cache / "srs").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(CacheError, match="srs: is a symlink"):
        build(tiny_circuit.onnx, tmp_path / "c", tiny_config())
    assert list(elsewhere.iterdir()) == [] and not (tmp_path / "c").exists()
    # A planted file link: an entry pointing at an attacker's SRS.
    (cache / "srs").unlink()
    (cache / "srs").mkdir()
    evil = elsewhere / "evil.srs"
    evil.write_bytes(tiny_circuit.srs.read_bytes())
    (cache / "srs" / "dev-k10.srs").symlink_to(evil)
    with pytest.raises(CacheError, match="dev-k10.srs: is a symlink"):
        build(tiny_circuit.onnx, tmp_path / "c", tiny_config())
    # The solc cache too.
    (cache / "solc").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(CacheError, match="solc: is a symlink"):
        compile_sources({"A.sol": "contract A { uint x = 12; }"})
    assert sorted(p.name for p in elsewhere.iterdir()) == ["evil.srs"]
