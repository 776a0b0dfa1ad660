"""`zkverify cache info|prune` on a real cache layout, and `zkverify doctor`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zkverify.cli import cli
from zkverify.manifest import CircuitDir

from .test_bad_input import assert_one_line_error

DAY = 86400
ROOT = Path(__file__).parent.parent


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _age(path: Path, days: float) -> None:
    t = time.time() - days * DAY
    os.utime(path, (t, t), follow_symlinks=False)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache: 3 key dirs (1, 10, 40 days old), 2 SRS files, a setting, a temporary,
    and symbolic links pointing outside it."""
    root = tmp_path / "cache"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.bin").write_bytes(b"x" * 1000)
    for name in ("k1", "k10", "k40"):
        d = root / "keys" / name
        d.mkdir(parents=True)
        (d / "pk.key").write_bytes(b"p" * 3000)
        (d / "vk.key").write_bytes(b"v" * 100)
    (root / "keys" / "k40" / "escape").symlink_to(outside)  # inside an old entry
    for name, days in (("k1", 1), ("k10", 10), ("k40", 40)):
        _age(root / "keys" / name, days)
    (root / "keys" / ".abc.tmp").mkdir()  # a setup in progress
    (root / "srs").mkdir()
    (root / "srs" / "dev-k10.srs").write_bytes(b"s" * 500)
    (root / "srs" / "ceremony-k12.srs").write_bytes(b"c" * 700)
    _age(root / "srs" / "dev-k10.srs", 50)
    (root / "srs" / "link.srs").symlink_to(outside / "precious.bin")
    _age(root / "srs" / "link.srs", 60)
    (root / "settings").mkdir()
    (root / "settings" / "a.json").write_text("{}")
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(root))
    return root


def test_cache_info_counts_and_sizes(cache: Path) -> None:
    r = run("cache", "info", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["cache_dir"] == str(cache)
    kinds = data["kinds"]
    assert (kinds["keys"]["count"], kinds["keys"]["bytes"]) == (3, 3 * 3100 + len(str(
        cache.parent / "outside")))  # the link counts as itself, its target is not followed
    assert kinds["srs"]["count"] == 3 and kinds["settings"]["count"] == 1
    assert kinds["solc"] == {**kinds["solc"], "count": 0, "bytes": 0}
    assert data["total_count"] == 7
    r = run("cache", "info")
    assert r.exit_code == 0 and f"cache: {cache}" in r.stdout and "keys" in r.stdout


def test_prune_keep_last_dry_run_then_for_real(cache: Path) -> None:
    r = run("cache", "prune", "--keep-last", "1", "--kind", "keys", "--dry-run", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [e["name"] for e in data["removed"]] == ["k10", "k40"] and data["dry_run"]
    assert sorted(p.name for p in (cache / "keys").iterdir()) == [".abc.tmp", "k1", "k10", "k40"]
    r = run("cache", "prune", "--keep-last", "1", "--kind", "keys")
    assert r.exit_code == 0, r.output
    assert "removed 2 entries" in r.stdout
    assert sorted(p.name for p in (cache / "keys").iterdir()) == [".abc.tmp", "k1"]
    assert (cache.parent / "outside" / "precious.bin").read_bytes() == b"x" * 1000


def test_prune_older_than_days_and_date(cache: Path) -> None:
    r = run("cache", "prune", "--older-than", "30", "--json")
    assert r.exit_code == 0, r.output
    removed = sorted(f"{e['kind']}/{e['name']}" for e in json.loads(r.stdout)["removed"])
    assert removed == ["keys/k40", "srs/dev-k10.srs", "srs/link.srs"]
    assert not (cache / "srs" / "link.srs").is_symlink()  # the link went...
    assert (cache.parent / "outside" / "precious.bin").is_file()  # ...its target stayed
    assert (cache / "srs" / "ceremony-k12.srs").is_file()
    r = run("cache", "prune", "--older-than", "2999-01-01", "--keep-last", "1", "--json")
    assert [e["name"] for e in json.loads(r.stdout)["removed"]] == ["k10"]


def test_prune_never_goes_through_a_linked_kind_dir(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "old").mkdir(parents=True)
    _age(outside / "old", 100)
    root = tmp_path / "cache"
    root.mkdir()
    (root / "keys").symlink_to(outside)
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(root))
    r = run("cache", "prune", "--older-than", "1", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["removed"] == []
    assert (outside / "old").is_dir()


@pytest.mark.parametrize("args, needle", [
    ([], "--keep-last N and/or --older-than"),
    (["--older-than", "last week"], "expected a number of days"),
    (["--keep-last", "-1"], "--keep-last"),
    (["--kind", "nope"], "--kind"),
])
def test_prune_usage_errors(cache: Path, args: list[str], needle: str) -> None:
    assert_one_line_error(run("cache", "prune", *args), 2, needle)
    assert (cache / "keys" / "k40").is_dir()


def test_build_reuse_marks_keys_recently_used(tiny_circuit: CircuitDir, tmp_path: Path,
                                              _cache_dir: Path) -> None:
    from zkverify.circuit import build

    from .conftest import tiny_config

    slot = _cache_dir / "keys" / tiny_circuit.load_manifest().keys["cache_key"]
    _age(slot, 100)
    build(tiny_circuit.onnx, tmp_path / "again", tiny_config(name="tiny_mlp"))
    assert time.time() - slot.stat().st_mtime < 60


def test_doctor_reports_versions_srs_and_exit_code(tiny_circuit: CircuitDir) -> None:
    r = run("doctor", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["ezkl"]["version"] == "23.0.5" and checks["ezkl"]["core"]
    for name in ("zkverify", "python", "torch", "onnx", "onnxruntime", "node", "solcjs", "anvil",
                 "chromium"):
        assert name in checks, name
    assert data["ok"] is True
    assert {"file": "dev-k10.srs", "provenance": "dev"}.items() <= data["srs"][0].items()
    assert data["cache"]["dir"] == os.environ["ZKVERIFY_CACHE_DIR"]
    assert all(m["install"] for m in data["missing"])
    r = run("doctor")
    assert r.exit_code == 0 and r.stdout.rstrip().endswith("core usable")


def test_doctor_exits_1_without_the_core(tmp_path: Path) -> None:
    """In a real process where ezkl's metadata cannot be found: exit 1 and the install line."""
    code = ("import importlib.metadata as md, sys; real = md.version\n"
            "def fake(name):\n"
            "    if name == 'ezkl': raise md.PackageNotFoundError(name)\n"
            "    return real(name)\n"
            "md.version = fake\n"
            "sys.argv = ['zkverify', 'doctor', '--json']\n"
            "from zkverify.cli import main; main()")
    env = {**os.environ, "ZKVERIFY_CACHE_DIR": str(tmp_path / "c")}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=ROOT)
    assert p.returncode == 1, p.stderr
    data = json.loads(p.stdout)
    assert data["ok"] is False
    assert {"name": "ezkl", "needed_for": "build, prove, verify",
            "install": "pip install 'ezkl==23.0.5'"} in data["missing"]
