"""The lean install: `pip install zkverify` (no extras) verifies, and proves from a built circuit,
with neither torch nor onnxruntime; export/build/tune/estimate name `zkverify[torch]`, exit 2.

Two levels: the core commands run in a process where every optional module is blocked and any
attempt to import one is recorded (fast, precise: an attempt caught and tolerated still fails
the test); and one test installs the package without extras into a fresh venv, as a CI gate or
a contract developer would, and runs the real `zkverify` script there (`-m lean`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import venv
from pathlib import Path

import pytest

from zkverify.manifest import CircuitDir

ROOT = Path(__file__).parent.parent
CONFORMANCE = ROOT / "tests" / "conformance"
PUBLIC_TINY = CONFORMANCE / "circuits" / "tiny"  # card, settings, vk, srs: what a node publishes
TORCH_EXTRA = ("torch", "onnx", "onnxruntime", "sklearn")
ALL_EXTRAS = (*TORCH_EXTRA, "fastapi", "starlette", "uvicorn", "prometheus_client", "ray", "mcp",
              "eth_account", "eth_abi", "eth_utils",
              "hummingbird", "xgboost", "lightgbm")
TORCH_INSTALL = "pip install 'zkverify[torch]'"

# Runs CLI invocations in one process whose import system refuses the blocked modules and
# records every attempt; prints [{args, code, stdout, stderr}, ...] and the attempts as JSON.
_HARNESS = textwrap.dedent("""
    import importlib.abc, json, sys
    blocked, calls = set(sys.argv[1].split(",")), json.loads(sys.argv[2])
    attempts = []

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in blocked:
                attempts.append(name)
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Block())
    from click.testing import CliRunner
    from zkverify.cli import cli
    out = []
    for args in calls:
        r = CliRunner().invoke(cli, args)
        out.append({"args": args, "code": r.exit_code, "stdout": r.stdout, "stderr": r.stderr})
    print(json.dumps({"results": out, "attempts": sorted(set(attempts))}))
""")


def run_blocked(blocked: tuple[str, ...], calls: list[list[str]]) -> dict:
    p = subprocess.run([sys.executable, "-c", _HARNESS, ",".join(blocked), json.dumps(calls)],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def case_bundle(name: str, dest: Path) -> Path:
    """A committed conformance vector's bundle, as the file a CI gate would be handed."""
    dest.write_text(json.dumps(json.loads((CONFORMANCE / "cases" / f"{name}.json").read_text())
                               ["bundle"]))
    return dest


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_core_commands_import_no_extra(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    valid = case_bundle("valid", tmp_path / "valid.json")
    flipped = case_bundle("proof_byte_flipped", tmp_path / "flipped.json")
    proof = tmp_path / "proof.json"
    calls = [
        ["verify", str(PUBLIC_TINY), str(valid)],
        ["verify", str(PUBLIC_TINY), str(flipped)],
        ["prove", str(tiny_circuit.path), str(tiny_circuit.input), "-o", str(proof)],
        ["verify", str(tiny_circuit.path), str(proof), "--json"],
        ["inspect", str(tiny_circuit.path)],
        ["inspect", str(proof)],
        ["verify", "--url", f"http://127.0.0.1:{closed_port()}", str(valid)],
        ["doctor", "--json"],
    ]
    if (ROOT / "node_modules" / ".bin" / "solcjs").is_file():
        calls.append(["evm", "verify", str(PUBLIC_TINY), str(valid)])
    out = run_blocked(ALL_EXTRAS, calls)
    assert out["attempts"] == []
    codes = [r["code"] for r in out["results"]]
    # valid, invalid, proved, its proof valid, inspect x2, node down (3: nothing checked), doctor
    assert codes == [0, 1, 0, 0, 0, 0, 3, 0, 0][:len(calls)], out["results"]
    doctor = json.loads(out["results"][7]["stdout"])
    checks = {c["name"]: c for c in doctor["checks"]}
    assert doctor["ok"] and checks["httpx"]["core"] and not checks["torch"]["core"]


def test_torch_commands_exit_2_naming_the_extra(tmp_path: Path) -> None:
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"not really onnx")  # never read: the extra is checked first
    calls = [
        ["export", f"{ROOT / 'tests' / 'tiny_model.py'}:tiny_mlp", "--input-shape", "1,4",
         "-o", str(tmp_path / "model")],
        ["build", str(ROOT / "circuits" / "digits_mlp.toml"), "-o", str(tmp_path / "c1")],
        ["build", str(onnx), "-o", str(tmp_path / "c2")],
        ["estimate", str(onnx)],
        ["tune", str(onnx), "-o", str(tmp_path / "c3")],
        ["build", str(onnx), "-o", str(tmp_path / "c4"), "--json"],
    ]
    results = run_blocked(TORCH_EXTRA, calls)["results"]
    missing = ["torch", "torch", "onnx", "onnx", "onnx", "onnx"]
    for r, module in zip(results, missing, strict=True):
        assert r["code"] == 2, r
        assert r["stderr"].splitlines() == [
            f"error: this command needs the 'torch' extra ({module} is not installed): "
            f"{TORCH_INSTALL}"], r
    assert json.loads(results[-1]["stdout"])["exit_code"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]  # nothing written
    # torch present but onnx absent: torch.onnx.export would fail with "export failed"
    r = run_blocked(("onnx",), calls[:1])["results"][0]
    assert r["code"] == 2 and "(onnx is not installed)" in r["stderr"], r


def _lean_venv(root: Path) -> tuple[Path, float]:
    """Install zkverify without extras, not editable, into a fresh venv; returns its bin dir."""
    src = root / "src"  # a clean copy: setuptools would write build/ and *.egg-info into ROOT
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "zkverify", src / "zkverify",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    start = time.monotonic()
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    bin_dir = root / "venv" / "bin"
    # pip's own cache stays on: a CI runner that keeps it reinstalls in seconds
    p = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", str(src)],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    return bin_dir, time.monotonic() - start


@pytest.mark.lean
def test_lean_install_verifies_without_torch(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    bin_dir, seconds = _lean_venv(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    def zk(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bin_dir / "zkverify"), *map(str, args)], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=300)

    for module in ("torch", "onnxruntime", "onnx"):
        p = subprocess.run([str(bin_dir / "python"), "-c", f"import {module}"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
        assert p.returncode != 0 and "ModuleNotFoundError" in p.stderr, (module, p.stdout)
    p = subprocess.run([str(bin_dir / "python"), "-c", "import zkverify; print(zkverify.__file__)"],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.stdout.startswith(str(tmp_path / "venv")), p.stdout  # the installed copy, not ROOT

    valid = case_bundle("valid", tmp_path / "valid.json")
    p = zk("verify", PUBLIC_TINY, valid)
    assert p.returncode == 0 and p.stdout.startswith("valid: "), p.stdout + p.stderr
    p = zk("verify", PUBLIC_TINY, case_bundle("proof_byte_flipped", tmp_path / "flipped.json"))
    assert p.returncode == 1 and p.stdout.startswith("invalid: "), p.stdout + p.stderr
    p = zk("export", ROOT / "tests" / "tiny_model.py:tiny_mlp", "--input-shape", "1,4",
           "-o", tmp_path / "model")
    assert p.returncode == 2 and p.stderr.splitlines() == [
        f"error: this command needs the 'torch' extra (torch is not installed): {TORCH_INSTALL}"]
    # proving from a circuit someone else built (with the extra) needs no extra either
    p = zk("prove", tiny_circuit.path, tiny_circuit.input, "-o", tmp_path / "proof.json")
    assert p.returncode == 0, p.stderr
    assert zk("verify", tiny_circuit.path, tmp_path / "proof.json").returncode == 0
    p = zk("doctor", "--json")
    assert p.returncode == 0, p.stdout
    missing = {m["name"]: m["install"] for m in json.loads(p.stdout)["missing"]}
    assert missing["torch"] == TORCH_INSTALL
    solcjs = ROOT / "node_modules" / ".bin" / "solcjs"
    if solcjs.is_file():  # an installed zkverify finds solcjs only when told where it is
        env["ZKVERIFY_SOLCJS"] = str(solcjs)
        p = zk("evm", "verify", PUBLIC_TINY, valid)
        assert p.returncode == 0, p.stdout + p.stderr
    print(f"lean install: {seconds:.1f} s")


def test_ci_example_uses_the_lean_install() -> None:
    from zkverify import __version__

    text = (ROOT / "examples" / "ci" / "verify-proof.yml").read_text()
    runs = [line.split("run:", 1)[1].strip() for line in text.splitlines() if "run:" in line]
    assert f"pip install 'zkverify=={__version__}'" in runs  # the core, no extra, this version
    assert not any("[torch]" in r or "torch" in r.split() for r in runs)
    assert any(r.startswith("zkverify verify ") for r in runs)
    for name in ("card.json", "settings.json", "vk.key", "kzg.srs"):
        assert name in text
