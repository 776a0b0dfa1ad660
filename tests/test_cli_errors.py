"""No traceback for a user mistake: one line, the documented exit code, JSON under --json,
--debug for the trace, outputs checked before any work starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zkverify.cli import cli
from zkverify.manifest import CircuitDir

from .test_bad_input import assert_one_line_error, entries

USAGE, INTERNAL = 2, 1
SERVE_INSTALL = "pip install 'zkverify[serve]'"
ROOT = Path(__file__).parent.parent


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def test_usage_errors_are_one_line() -> None:
    r = run("build")
    assert_one_line_error(r, USAGE, "Missing argument 'SOURCE'", "zkverify build --help")
    assert r.stdout == ""
    assert_one_line_error(run("nope"), USAGE, "No such command 'nope'")
    assert_one_line_error(run("prove", "--workers", "0", "a", "b", "-o", "c"), USAGE, "--workers")


def test_json_errors_are_one_object_on_stdout(tmp_path: Path) -> None:
    r = run("prove", tmp_path / "nodir", tmp_path / "in.json", "-o", tmp_path / "p.json", "--json")
    assert r.exit_code == USAGE
    obj = json.loads(r.stdout)
    assert obj == {"error": obj["error"], "exit_code": USAGE}
    assert "nodir" in obj["error"] and "not a circuit directory" in obj["error"]
    r = run("build", tmp_path / "m.onnx", "--json")  # a click usage error, too
    assert json.loads(r.stdout) == {"error": "Missing option '-o' / '--output' "
                                             "(see 'zkverify build --help')", "exit_code": USAGE}


@pytest.fixture()
def no_serve_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if `pip install zkverify` without [serve]: fastapi and uvicorn cannot be imported."""
    for mod in ("uvicorn", "fastapi", "zkverify.service"):
        monkeypatch.setitem(sys.modules, mod, None)
    monkeypatch.delitem(sys.modules, "zkverify.service")


def test_missing_serve_extra_exits_2_with_the_install_command(
        no_serve_extra: None, tiny_bundle_path: Path, tmp_path: Path, tiny_circuit: CircuitDir) -> None:
    # The HTTP client (httpx) is in the core: verify --url and infer reach the node, here none.
    r = run("verify", "--url", "http://127.0.0.1:9", tiny_bundle_path)
    assert_one_line_error(r, 3, "cannot reach the node")
    r = run("infer", tiny_circuit.input, "--url", "http://127.0.0.1:9", env={"ZKVERIFY_TOKEN": "t"})
    assert_one_line_error(r, 3, "cannot reach the node")
    r = run("serve", tiny_circuit.path)
    assert_one_line_error(r, USAGE, SERVE_INSTALL, "uvicorn is not installed")
    r = run("serve", tiny_circuit.path, "--json")  # not a serve option: still one line
    assert r.exit_code == USAGE and json.loads(r.stdout)["exit_code"] == USAGE


def test_missing_extra_in_a_real_process(tmp_path: Path) -> None:
    """The exit code a shell sees (not CliRunner's), with the import really failing."""
    code = ("import sys; sys.modules['uvicorn'] = None; sys.argv = ['zkverify', 'serve', "
            f"{str(tmp_path)!r}]; from zkverify.cli import main; main()")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == USAGE, p.stderr
    assert p.stderr.strip().splitlines() == [
        "error: this command needs the 'serve' extra (uvicorn is not installed): "
        f"{SERVE_INSTALL}"]
    assert p.stdout == ""


def test_unexpected_exception_is_one_line_and_debug_shows_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zkverify.report

    def broken(*_: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(zkverify.report, "inspect_path", broken)
    r = run("inspect", tmp_path)
    assert_one_line_error(r, INTERNAL, "internal error: KeyError: 'boom'", "--debug")
    r = run("inspect", tmp_path, "--json")
    assert json.loads(r.stdout)["exit_code"] == INTERNAL
    for args, env in ((("--debug", "inspect", tmp_path), None),
                      (("inspect", tmp_path), {"ZKVERIFY_DEBUG": "1"})):
        r = run(*args, env=env)
        assert r.exit_code == 1 and isinstance(r.exception, KeyError), r.output


def test_debug_shows_the_trace_of_a_user_error_too(tmp_path: Path) -> None:
    from zkverify.errors import CircuitError

    r = run("--debug", "prove", tmp_path / "nodir", tmp_path / "in.json", "-o", tmp_path / "p")
    assert isinstance(r.exception, CircuitError)


def test_corrupt_weights_are_one_line(tmp_path: Path) -> None:
    for name, data in (("empty.pt", b""), ("junk.pt", bytes(range(256)) * 3)):
        (tmp_path / name).write_bytes(data)
        r = run("export", f"{ROOT / 'tests/tiny_model.py'}:tiny_mlp", "--input-shape", "1,4",
                "--weights", tmp_path / name, "-o", tmp_path / "o")
        assert_one_line_error(r, USAGE, name, "not a PyTorch state dict")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("shape", ["1,x", "x", "1,,4", "1,-4", "1.5", ""])
def test_input_shape_is_parsed_strictly(tmp_path: Path, shape: str) -> None:
    r = run("export", "tests/tiny_model.py:tiny_mlp", "--input-shape", shape, "-o", tmp_path / "o")
    assert_one_line_error(r, USAGE, "--input-shape")


def test_prove_into_an_existing_directory(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    inp = tmp_path / "digit.json"
    inp.write_bytes(tiny_circuit.input.read_bytes())
    out = tmp_path / "proofs"
    out.mkdir()
    r = run("prove", tiny_circuit.path, inp, "-o", out, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["bundle"] == str(out / "digit.proof.json")
    assert entries(out) == ["digit.proof.json"]
    assert run("verify", tiny_circuit.path, out / "digit.proof.json").exit_code == 0


def test_prove_checks_the_output_before_proving(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run("prove", tiny_circuit.path, tiny_circuit.input, "-o", blocker / "p.json")
    assert_one_line_error(r, USAGE, "p.json", "cannot write here", "is not a directory")
    (tmp_path / "batch.jsonl").write_text("[[0.1, 0.2, 0.3, 0.4]]\n")
    r = run("prove", tiny_circuit.path, tmp_path / "batch.jsonl", "-o", blocker)
    assert_one_line_error(r, USAGE, "file", "not a directory")
    r = run("build", tiny_circuit.onnx, "-o", blocker)
    assert_one_line_error(r, USAGE, "file", "not a directory")
    assert entries(tmp_path) == ["batch.jsonl", "file"]


def test_empty_batch_is_an_error(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n\n")
    r = run("prove", tiny_circuit.path, tmp_path / "empty.jsonl", "-o", tmp_path / "out")
    assert_one_line_error(r, USAGE, "empty.jsonl", "no inputs")
    assert not (tmp_path / "out").exists()
