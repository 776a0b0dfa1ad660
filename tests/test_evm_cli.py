"""`zkverify evm export | calldata | verify` on the in-process EVM: outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkverify import evm
from zkverify.commands.evm import evm_group
from zkverify.manifest import CircuitDir, ProofBundle


def run(*args: str | Path) -> tuple[int, str, str]:
    r = CliRunner().invoke(evm_group, [str(a) for a in args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.fixture()
def tampered_bundle(tiny_bundle_path: Path, tiny_circuit: CircuitDir, tmp_path: Path) -> Path:
    """The tiny proof claiming other outputs, its readable claims following the edited
    instances, so only the chain's proof check can catch it."""
    from .service_fixtures import tampered

    out = tmp_path / "tampered.json"
    data = json.loads(tiny_bundle_path.read_text())
    out.write_text(json.dumps(tampered(data, "instance", tiny_circuit)))
    return out


def test_export_writes_verifier_abi_bytecode(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    code, out, err = run("export", tiny_circuit.path, "-o", tmp_path / "v")
    assert code == 0, err
    d = tmp_path / "v"
    assert "contract Halo2Verifier" in (d / "Verifier.sol").read_text()
    abi = json.loads((d / "Verifier.abi.json").read_text())
    assert abi[0]["name"] == "verifyProof"
    bytecode = bytes.fromhex((d / "Verifier.bin").read_text().strip()[2:])
    assert bytecode == evm.load_verifier(tiny_circuit).contract.bytecode
    summary = json.loads((d / "verifier.json").read_text())
    assert summary["deployable_on_mainnet"] is True and summary["selector"] == "0x1e8e1e13"
    assert summary["circuit"]["name"] == "tiny_mlp"
    assert f"runtime size {summary['runtime_size']:,} bytes" in out and "EIP-170" in out
    assert "warning" not in err
    assert not [p for p in d.iterdir() if p.name.endswith(".tmp")]
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in d.iterdir())  # shareable files


def test_export_json(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    code, out, _ = run("export", tiny_circuit.path, "-o", tmp_path / "v", "--json")
    info = json.loads(out)
    assert code == 0 and info["deployable_on_mainnet"] and info["warning"] is None
    assert info["runtime_size"] == len(
        bytes.fromhex(Path(info["files"]["runtime"]).read_text().strip()[2:]))


def test_export_circuit_without_keys(circuit_copy: CircuitDir, tmp_path: Path) -> None:
    circuit_copy.vk.unlink()
    code, out, err = run("export", circuit_copy.path, "-o", tmp_path / "v")
    assert code == 2 and out == ""
    assert one_error_line(err).endswith("vk.key: missing (the circuit directory is incomplete)")
    assert not (tmp_path / "v").exists()


def test_export_not_a_circuit(tmp_path: Path) -> None:
    code, _, err = run("export", tmp_path / "nowhere", "-o", tmp_path / "v")
    assert code == 2 and "not a circuit directory" in one_error_line(err)


def test_calldata_prints_hex(tiny_bundle_path: Path, tiny_bundle: ProofBundle) -> None:
    code, out, _ = run("calldata", tiny_bundle_path)
    assert code == 0
    assert out.strip() == "0x" + evm.calldata(tiny_bundle).hex()
    assert out.startswith("0x1e8e1e13")


def test_calldata_json_and_file(tiny_bundle_path: Path, tmp_path: Path) -> None:
    code, out, _ = run("calldata", tiny_bundle_path, "--json", "-o", tmp_path / "c.bin")
    info = json.loads(out)
    assert code == 0 and info["selector"] == "0x1e8e1e13"
    assert bytes.fromhex(info["calldata"][2:]) == (tmp_path / "c.bin").read_bytes()
    assert len(info["instances"]) == 6  # 4 public inputs, 2 public outputs


@pytest.mark.parametrize("content", ["", "{}", "not json", '{"format": "zkverify.proof-bundle/1"}'])
def test_calldata_bad_bundle(tmp_path: Path, content: str) -> None:
    p = tmp_path / "b.json"
    p.write_text(content)
    code, out, err = run("calldata", p)
    assert code == 2 and out == "" and str(p) in one_error_line(err)


def test_verify_valid(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    code, out, err = run("verify", tiny_circuit.path, tiny_bundle_path)
    assert code == 0, err
    assert out.startswith("valid: verifyProof on in-process EVM (gas ")
    assert "proves prediction" in out and "for circuit tiny_mlp (SRS: local-dev)" in out


def test_verify_json(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                     tiny_bundle: ProofBundle) -> None:
    code, out, _ = run("verify", tiny_circuit.path, tiny_bundle_path, "--json")
    info = json.loads(out)
    assert code == 0 and info["valid"] is True and info["backend"] == "pyrevm"
    assert isinstance(info["gas"], int) and info["gas"] > 21_000
    assert info["proof_hash"] == tiny_bundle.proof_hash()


def test_verify_tampered_exits_1(tiny_circuit: CircuitDir, tampered_bundle: Path) -> None:
    code, out, _ = run("verify", tiny_circuit.path, tampered_bundle)
    assert code == 1
    assert out.startswith("invalid: ") and "reason: the proof does not verify: verifier reverted" in out


def test_verify_tampered_json(tiny_circuit: CircuitDir, tampered_bundle: Path) -> None:
    code, out, _ = run("verify", tiny_circuit.path, tampered_bundle, "--json")
    info = json.loads(out)
    assert code == 1 and info["valid"] is False and info["gas"] > 21_000
    assert info["field"] == "proof" and info["prediction"] is None and info["outputs"] is None


def test_verify_bundle_for_another_circuit(other_circuit: CircuitDir,
                                           tiny_bundle_path: Path) -> None:
    code, out, _ = run("verify", other_circuit.path, tiny_bundle_path, "--json")
    info = json.loads(out)
    assert code == 1 and info["field"] == "circuit.model_sha256" and info["gas"] is None
    assert "another circuit" in info["reason"] and info["circuit"] == "other_mlp"


def test_verify_circuit_without_keys(circuit_copy: CircuitDir, tiny_bundle_path: Path) -> None:
    (circuit_copy.path / "kzg.srs").unlink()
    code, out, err = run("verify", circuit_copy.path, tiny_bundle_path)
    assert code == 2 and out == "" and "kzg.srs: missing" in one_error_line(err)


def test_verify_unreadable_bundle(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    code, _, err = run("verify", tiny_circuit.path, tmp_path / "missing.json")
    assert code == 2 and "missing.json: no such file" in one_error_line(err)


def test_address_needs_rpc(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    code, _, err = run("verify", tiny_circuit.path, tiny_bundle_path, "--address", "0x" + "1" * 40)
    assert code == 2 and one_error_line(err) == "error: --address needs --rpc URL"


def test_help_does_not_import_heavy_modules() -> None:
    import subprocess
    import sys

    code = ("import sys; from zkverify.commands import evm; "
            "print(sorted(m for m in ('ezkl', 'pyrevm', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_registered_on_the_main_cli() -> None:
    from zkverify.cli import cli

    r = CliRunner().invoke(cli, ["evm", "--help"])
    assert r.exit_code == 0, r.output
    for sub in ("export", "calldata", "verify"):
        assert sub in r.output
