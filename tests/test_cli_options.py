"""Options say what they do: ranges checked at parse time, one -o/--output convention, help for
every option, --version with ezkl's, the manifest's real pk.key hash, shell completion."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from zkverify.cli import cli
from zkverify.files import sha256_file
from zkverify.manifest import CircuitDir

from .test_bad_input import assert_one_line_error

USAGE = 2
ROOT = Path(__file__).parent.parent


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("args, needles", [
    (["build", "m.onnx", "-o", "c", "--min-agreement", "95"],
     ["--min-agreement", "not a fraction between 0 and 1", "write 0.95 or 95%"]),
    (["build", "m.onnx", "-o", "c", "--min-agreement", "-0.1"], ["--min-agreement"]),
    (["build", "m.onnx", "-o", "c", "--tolerance", "-1"], ["--tolerance", "-1"]),
    (["build", "m.onnx", "-o", "c", "--logrows", "40"], ["--max-logrows", "40"]),
    (["tune", "m.onnx", "-o", "c", "--scales", "5,-1"], ["--scales", "-1 is out of range"]),
    (["tune", "m.onnx", "-o", "c", "--scales", "5,x"], ["--scales", "comma-separated integers"]),
    (["tune", "m.onnx", "-o", "c", "--max-error", "-0.5"], ["--max-error"]),
    (["tune", "m.onnx", "-o", "c", "--min-agreement", "95"], ["--min-agreement"]),
    (["estimate", "m.onnx", "--max-logrows", "0"], ["--max-logrows"]),
])
def test_numeric_options_are_range_checked(tmp_path: Path, args: list[str],
                                           needles: list[str]) -> None:
    r = run(*[str(tmp_path / a) if a.endswith(".onnx") else a for a in args])
    assert_one_line_error(r, USAGE, *needles)
    assert list(tmp_path.iterdir()) == []


def test_percent_and_fraction_mean_the_same(tmp_path: Path) -> None:
    """95% is accepted (and the build then fails on the missing model, not on the option)."""
    for value in ("95%", "0.95"):
        r = run("build", tmp_path / "m.onnx", "-o", tmp_path / "c", "--min-agreement", value)
        assert_one_line_error(r, USAGE, "m.onnx", "no such file")


def test_estimate_max_logrows_and_its_alias(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    onnx = tmp_path / "m.onnx"
    shutil.copyfile(tiny_circuit.onnx, onnx)
    r = run("estimate", onnx, "--logrows", "20", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["max_logrows"] == 20 and data["logrows"] <= 20
    r = run("estimate", onnx, "--max-logrows", "20")
    assert r.exit_code == 0, r.output
    if data["logrows"] < 20:
        assert (f"note: calibration chose logrows {data['logrows']}, below --max-logrows 20"
                in r.stdout)


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix}{name} "))
    return out


def test_every_option_has_help() -> None:
    missing = [f"{path} {p.opts[-1]}" for path, cmd in _commands(cli) for p in cmd.params
               if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip()]
    assert missing == []
    assert all((cmd.help or "").strip() for _, cmd in _commands(cli))


def test_one_output_convention() -> None:
    """Every command that writes takes -o/--output; --out (evm's old name) is not advertised."""
    for path, cmd in _commands(cli):
        for p in cmd.params:
            if isinstance(p, click.Option) and "--out" in p.opts:
                assert "--output" in p.opts and "-o" in p.opts, path
        help_text = run(*path.split(), "--help").stdout
        assert "--out " not in help_text and "--out," not in help_text, path


def test_old_out_spelling_still_works(tiny_bundle_path: Path, tmp_path: Path) -> None:
    r = run("evm", "calldata", tiny_bundle_path, "--out", tmp_path / "a.bin")
    assert r.exit_code == 0, r.output
    r = run("evm", "calldata", tiny_bundle_path, "-o", tmp_path)  # a directory: named after PROOF
    assert r.exit_code == 0, r.output
    assert (tmp_path / "proof.calldata").read_bytes() == (tmp_path / "a.bin").read_bytes()
    assert (tmp_path / "a.bin").read_bytes()[:4].hex() == "1e8e1e13"


def test_version_names_ezkl_without_importing_it() -> None:
    code = ("import sys; from click.testing import CliRunner; from zkverify.cli import cli; "
            "r = CliRunner().invoke(cli, ['--version']); print(r.exit_code, r.stdout.strip()); "
            "print(sorted(m for m in ('torch', 'ezkl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.splitlines()
    from importlib.metadata import version

    assert out[0].startswith(f"0 zkverify {version('zkverify')} (ezkl 23.0.5, Python 3.")
    assert out[1] == "[]"


def test_manifest_records_the_real_pk_hash(tiny_circuit: CircuitDir) -> None:
    m = tiny_circuit.load_manifest()
    assert m.artifacts["pk.key"] == sha256_file(tiny_circuit.pk)
    assert len(m.keys["cache_key"]) == 64 and m.keys["cache_key"] != m.artifacts["pk.key"]


def test_shell_completion() -> None:
    env = {**os.environ, "_ZKVERIFY_COMPLETE": "bash_source"}
    p = subprocess.run([sys.executable, "-m", "zkverify"], capture_output=True, text=True,
                       env=env, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert "_zkverify_completion()" in p.stdout and "complete -o nosort -F" in p.stdout
    env = {**os.environ, "_ZKVERIFY_COMPLETE": "bash_complete", "COMP_WORDS": "zkverify ca",
           "COMP_CWORD": "1"}
    p = subprocess.run([sys.executable, "-m", "zkverify"], capture_output=True, text=True,
                       env=env, cwd=ROOT)
    assert p.stdout.splitlines() == ["plain,cache"]
