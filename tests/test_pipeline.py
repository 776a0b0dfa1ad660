"""The core pipeline end to end on the tiny circuit: export, build, prove, verify, inspect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import zkverify
from zkverify.circuit import build
from zkverify.cli import cli
from zkverify.errors import ToleranceError
from zkverify.exporting import run_onnx
from zkverify.files import sha256_file
from zkverify.manifest import CircuitDir, ProofBundle

from .conftest import TESTS, TINY_RUN_ARGS, tiny_config
from .netutil import free_port


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_export_writes_onnx_and_sample_input(tmp_path: Path) -> None:
    code, out, err = run("export", f"{TESTS / 'tiny_model.py'}:tiny_mlp", "--input-shape", "1,4",
                         "-o", str(tmp_path / "m"), "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["input_shape"] == [1, 4] and info["output_shape"] == [1, 2]
    assert info["max_abs_diff"] < 1e-5
    sample = json.loads((tmp_path / "m" / "input.json").read_text())
    assert len(sample["input_data"][0]) == 4
    y = run_onnx(tmp_path / "m" / "network.onnx", [np.ones((1, 4), np.float32)])[0]
    assert y.shape == (1, 2)


def test_export_from_package_module(tmp_path: Path) -> None:
    code, _, err = run("export", "tests.tiny_model:tiny_mlp", "--input-shape", "1x4", "-o",
                       str(tmp_path))
    assert code == 0, err
    assert (tmp_path / "network.onnx").stat().st_size > 0


def test_manifest_records_hashes_and_figures(tiny_circuit: CircuitDir) -> None:
    m = tiny_circuit.load_manifest()
    for name in ("network.onnx", "settings.json", "model.compiled", "vk.key"):
        assert m.artifacts[name] == sha256_file(tiny_circuit.file(name)), name
    for name in ("pk.key", "kzg.srs", "input.json"):
        assert tiny_circuit.file(name).is_file()
    assert m.logrows == 10 and m.run_args["input_scale"] == 7
    assert m.srs["source"] == "local-dev"
    q = m.quantization
    assert 0 < q["max_abs_error"] < 0.1 and q["argmax_agreement"] is not None
    assert m.visibility == {"input": "public", "output": "public", "param": "fixed"}
    assert m.ezkl_version == "23.0.5"


def test_rebuild_reuses_keys(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    from zkverify.keys import cache_dir

    slots = sorted(p.name for p in (cache_dir() / "keys").iterdir())
    res = build(tiny_circuit.onnx, tmp_path / "again", tiny_config(name="tiny_mlp"))
    assert res.keys_reused
    assert "key setup" not in res.manifest.timings
    # The key files themselves, not a flag: the same pk/vk on disk, and no new cache slot.
    for name in ("pk.key", "vk.key", "model.compiled"):
        a, b = res.circuit.file(name).stat(), tiny_circuit.file(name).stat()
        assert (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev), name
    assert sorted(p.name for p in (cache_dir() / "keys").iterdir()) == slots
    assert sha256_file(res.circuit.vk) == sha256_file(tiny_circuit.vk)


def test_prove_decodes_outputs_close_to_float_model(tiny_circuit: CircuitDir,
                                                    tiny_bundle: ProofBundle) -> None:
    x = np.asarray(json.loads(tiny_circuit.input.read_text())["input_data"][0], np.float32)
    want = run_onnx(tiny_circuit.onnx, [x.reshape(1, 4)])[0].reshape(-1)
    got = np.asarray(tiny_bundle.output_values).reshape(-1)
    assert np.max(np.abs(want - got)) < 0.1
    assert tiny_bundle.prediction == int(np.argmax(got))
    assert tiny_bundle.circuit.vk_sha256 == sha256_file(tiny_circuit.vk)


def test_prove_and_verify_cli(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    code, stdout, err = run("prove", str(tiny_circuit.path), str(tiny_circuit.input), "-o", str(out))
    assert code == 0, err
    assert stdout.startswith("prediction: ")
    code, stdout, _ = run("verify", str(tiny_circuit.path), str(out), "--json")
    assert code == 0
    verdict = json.loads(stdout)
    assert verdict["valid"] is True and verdict["circuit"] == "tiny_mlp"
    assert verdict["proof_hash"] == ProofBundle.load(out).proof_hash()
    code, stdout, _ = run("verify", str(tiny_circuit.path), str(out))
    assert code == 0 and stdout.startswith("valid: ")


def test_prove_accepts_plain_list_and_npy(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[[0.1, 0.2, 0.3, 0.4]]")
    np.save(tmp_path / "x.npy", np.array([[0.1, 0.2, 0.3, 0.4]]))
    a = zkverify.prove_file(tiny_circuit.path, tmp_path / "x.json")
    b = zkverify.prove_file(tiny_circuit.path, tmp_path / "x.npy")
    assert a.outputs == b.outputs and a.inputs == b.inputs


def test_directory_works_with_ezkl_alone(tiny_circuit: CircuitDir, tiny_bundle: ProofBundle,
                                         tmp_path: Path) -> None:
    import ezkl

    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(tiny_bundle.proof))
    assert ezkl.verify(proof_path=str(proof), settings_path=str(tiny_circuit.settings),
                       vk_path=str(tiny_circuit.vk), srs_path=str(tiny_circuit.srs))


def test_inspect_circuit_and_bundle(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    code, out, _ = run("inspect", str(tiny_circuit.path))
    assert code == 0 and "tiny_mlp" in out and "logrows" in out
    code, out, _ = run("inspect", str(tiny_bundle_path), "--json")
    assert code == 0
    assert json.loads(out)["circuit"]["name"] == "tiny_mlp"


def test_tolerance_breach_fails_and_writes_nothing(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    with pytest.raises(ToleranceError, match="max abs error"):
        build(tiny_circuit.onnx, tmp_path / "strict", tiny_config(tolerance=1e-9))
    assert not (tmp_path / "strict").exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_tolerance_breach_cli_exit_code(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    args = [f"--run-arg={k}={v}" for k, v in TINY_RUN_ARGS.items()]
    code, _, err = run("build", str(tiny_circuit.onnx), "-o", str(tmp_path / "c"), "--tolerance",
                       "1e-9", "--no-calibrate", *args)
    assert code == 1
    assert err.startswith("error: ") and "tolerance" in err and "Traceback" not in err


def test_public_api_is_small_and_resolves() -> None:
    for name in zkverify.__all__:
        assert getattr(zkverify, name) is not None, name


def test_help_does_not_import_heavy_modules() -> None:
    code = ("import sys, zkverify.cli; from click.testing import CliRunner; "
            "CliRunner().invoke(zkverify.cli.cli, ['--help']); "
            "print(sorted(m for m in ('torch', 'ezkl', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_user_srs_file_is_used_and_recorded(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    srs = tmp_path / "ceremony-k10.srs"
    srs.write_bytes(tiny_circuit.srs.read_bytes())
    res = build(tiny_circuit.onnx, tmp_path / "c", tiny_config(srs_file=srs))
    assert res.srs_source == "user" and res.manifest.srs["path"] == str(srs)
    assert not [w for w in res.warnings if "INSECURE" in w]
    assert sha256_file(res.circuit.srs) == sha256_file(srs)


def test_dev_srs_warns_that_it_is_insecure(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    res = build(tiny_circuit.onnx, tmp_path / "c", tiny_config())
    assert any("INSECURE for production" in w and "--srs" in w for w in res.warnings)


def test_fetch_srs_offline_says_how_to_supply_one(tiny_circuit: CircuitDir, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """ezkl's download goes to a closed port on 127.0.0.1 (a proxy), as it would fail offline."""
    port = free_port()
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(tmp_path / "fresh-cache"))
    args = [f"--run-arg={k}={v}" for k, v in TINY_RUN_ARGS.items()]
    code, _, err = run("build", str(tiny_circuit.onnx), "-o", str(tmp_path / "c"), "--fetch-srs",
                       "--no-calibrate", *args)
    assert code == 1
    assert "Offline?" in err and "--srs FILE" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c").exists()
