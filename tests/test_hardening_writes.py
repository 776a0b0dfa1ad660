"""Issue 11, item 5: durable atomic writes, no umask race, and `build -o` never deletes a
directory that is not a circuit."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import TINY_RUN_ARGS
from zkverify import files
from zkverify.cli import cli
from zkverify.manifest import CircuitDir


def test_atomic_write_fsyncs_the_file_and_its_directory(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[tuple[int, int]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:  # the real fsync, noting which inode it made durable
        st = os.fstat(fd)
        synced.append((st.st_dev, st.st_ino))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    dest = tmp_path / "out" / "manifest.json"
    files.write_json_atomic(dest, {"a": 1})
    st_file, st_dir = dest.stat(), dest.parent.stat()
    assert (st_file.st_dev, st_file.st_ino) in synced
    assert (st_dir.st_dev, st_dir.st_ino) in synced
    assert synced.index((st_file.st_dev, st_file.st_ino)) < synced.index((st_dir.st_dev, st_dir.st_ino))


def test_atomic_write_never_changes_the_process_umask(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """os.umask(0) is process-wide: a thread creating a file meanwhile gets mode 0666."""
    calls: list[int] = []
    real_umask = os.umask

    def spy(mask: int) -> int:
        calls.append(mask)
        return real_umask(mask)

    monkeypatch.setattr(os, "umask", spy)
    mask = real_umask(0o022)
    real_umask(mask)
    dest = tmp_path / "f.json"
    files.write_json_atomic(dest, [1])
    files.write_bytes_atomic(tmp_path / "g.bin", b"x")
    assert calls == []
    assert stat.S_IMODE(dest.stat().st_mode) == 0o666 & ~mask


def _build_args(tiny_circuit: CircuitDir, out: Path) -> list[str]:
    return ["build", str(tiny_circuit.onnx), "-o", str(out), "--no-calibrate",
            *[f"--run-arg={k}={v}" for k, v in TINY_RUN_ARGS.items()]]


def test_build_refuses_a_non_empty_directory_that_is_not_a_circuit(tiny_circuit: CircuitDir,
                                                                   tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("my notes\n")
    r = CliRunner().invoke(cli, _build_args(tiny_circuit, notes))
    assert r.exit_code == 2
    assert r.stderr == (f"error: {notes}: not empty and not a zkverify circuit directory "
                        f"(refusing to replace it; pass a new or empty directory)\n")
    assert sorted(p.name for p in notes.iterdir()) == ["todo.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".notes")]


def test_build_replaces_a_circuit_directory_or_fills_an_empty_one(tiny_circuit: CircuitDir,
                                                                  tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert CliRunner().invoke(cli, [*_build_args(tiny_circuit, empty), "--json"]).exit_code == 0
    r = CliRunner().invoke(cli, [*_build_args(tiny_circuit, empty), "--json"])
    assert r.exit_code == 0, r.stderr
    assert (empty / "manifest.json").is_file()
