"""What the page's @ezkljs/engine 21 does with ezkl 23's Freivalds-checked matrix products.

ezkl 23 checks a matrix product whose two free dimensions are both above 1 (a batched linear
layer, attention's Q·K^T) with Freivalds' algorithm: extra challenge columns, recorded in
settings.json as ``einsum_params.total_einsum_col_size > 0``. Engine 21 predates that and
calls a *valid* such proof invalid, so the page cannot tell it from a forged one. With the run
arg ``disable_freivalds`` ezkl multiplies out every product and engine 21 verifies the proof.

These tests pin today's behaviour of both sides, per circuit kind: an engine or ezkl upgrade
that changes any verdict fails here. Figures: benchmarks/results/freivalds.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch

from zkverify import engine
from zkverify.exporting import OPSET
from zkverify.manifest import CircuitDir

ROOT = Path(__file__).resolve().parent.parent
LOGROWS = 10
RUN_ARGS = {"input_scale": 7, "param_scale": 7, "logrows": LOGROWS, "decomp_base": 32,
            "decomp_legs": 4}
# What engine 21 throws on a valid Freivalds proof (which one depends on the circuit).
ENGINE_21_FREIVALDS_ERRORS = (
    "Verification failed: Multi-opening proof was invalid",
    "Verification failed: The constraint system is not satisfied",
)


class BatchedLinear(torch.nn.Module):
    """x [4, 3] @ W^T [3, 2]: free dimensions 4 and 2."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


class SelfAttention(torch.nn.Module):
    """(Q·K^T)·V over 4 tokens of width 4 (no softmax: the products are the point)."""

    def __init__(self) -> None:
        super().__init__()
        self.q, self.k, self.v = (torch.nn.Linear(4, 4, bias=False) for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.q(x) @ self.k(x).transpose(-1, -2) * 0.5) @ self.v(x)


KINDS: dict[str, tuple[type[torch.nn.Module], tuple[int, ...]]] = {
    "batched_linear": (BatchedLinear, (4, 3)),
    "self_attention": (SelfAttention, (4, 4)),
}


@dataclass(frozen=True)
class Built:
    dir: Path
    settings: dict[str, Any]
    srs: Path

    def paths(self) -> list[str]:
        return [str(self.dir / n) for n in ("proof.json", "vk.key", "settings.json")] + [str(self.srs)]


def _node_modules() -> Path:
    """The checkout's node_modules, else the first NODE_PATH entry holding @ezkljs/engine."""
    candidates = [ROOT / "node_modules"]
    candidates += [Path(p) for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p]
    for c in candidates:
        if (c / "@ezkljs" / "engine" / "package.json").is_file():
            return c
    pytest.fail(f"no @ezkljs/engine in {ROOT / 'node_modules'} or NODE_PATH: run `npm ci` in {ROOT}")


def _engine_21(built: Built) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    env = {**os.environ, "NODE_PATH": str(_node_modules())}
    run = subprocess.run([node, str(ROOT / "tests" / "wasm_pairing.mjs"), *built.paths()],
                         capture_output=True, text=True, timeout=120, check=False, env=env)
    assert run.returncode == 0, run.stderr
    return dict(json.loads(run.stdout))


@pytest.fixture(scope="session")
def srs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("freivalds-srs") / f"k{LOGROWS}.srs"
    engine.gen_srs(path, LOGROWS)
    return path


@pytest.fixture(scope="session")
def circuits(tmp_path_factory: pytest.TempPathFactory, srs: Path) -> dict[tuple[str, bool], Built]:
    """Each kind built and proved with bare ezkl, with and without disable_freivalds."""
    root = tmp_path_factory.mktemp("freivalds")
    out: dict[tuple[str, bool], Built] = {}
    for kind, (factory, shape) in KINDS.items():
        torch.manual_seed(0)
        model = factory().eval()
        x = torch.rand(*shape)
        for disable in (False, True):
            d = root / f"{kind}-{'nofv' if disable else 'fv'}"
            d.mkdir()
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                torch.onnx.export(model, (x,), str(d / "network.onnx"), input_names=["x"],
                                  output_names=["y"], opset_version=OPSET, dynamo=False)
            (d / "input.json").write_text(json.dumps({"input_data": [x.flatten().tolist()]}))
            engine.gen_settings(d / "network.onnx", d / "settings.json", **RUN_ARGS,
                                disable_freivalds=disable)
            engine.compile_circuit(d / "network.onnx", d / "network.ezkl", d / "settings.json")
            engine.gen_witness(d / "input.json", d / "network.ezkl", d / "witness.json")
            engine.setup(d / "network.ezkl", d / "vk.key", d / "pk.key", srs)
            engine.prove(d / "witness.json", d / "network.ezkl", d / "pk.key", d / "proof.json", srs)
            out[kind, disable] = Built(d, json.loads((d / "settings.json").read_text()), srs)
    return out


def _uses_freivalds(settings: dict[str, Any]) -> bool:
    """The signal the page can read from settings.json before verifying."""
    return int(settings.get("einsum_params", {}).get("total_einsum_col_size", 0)) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_ezkl_23_uses_freivalds_unless_disabled_and_verifies_both(
    kind: str, circuits: dict[tuple[str, bool], Built]
) -> None:
    fv, nofv = circuits[kind, False], circuits[kind, True]
    assert fv.settings["run_args"]["disable_freivalds"] is False
    assert nofv.settings["run_args"]["disable_freivalds"] is True
    assert _uses_freivalds(fv.settings)
    assert not _uses_freivalds(nofv.settings)
    # The fallback costs rows (measured: +3% batched linear, +5% attention at this size).
    assert nofv.settings["num_rows"] > fv.settings["num_rows"]
    assert nofv.settings["run_args"]["logrows"] == fv.settings["run_args"]["logrows"] == LOGROWS
    for b in (fv, nofv):
        assert engine.verify(b.dir / "proof.json", b.dir / "settings.json", b.dir / "vk.key",
                             b.srs) == (True, "")


def test_a_single_input_circuit_does_not_use_freivalds(tiny_circuit: CircuitDir) -> None:
    """Batch 1 (the circuits zkverify builds today): nothing for the page to refuse."""
    assert not _uses_freivalds(json.loads(tiny_circuit.settings.read_text()))


@pytest.mark.parametrize("kind", KINDS)
def test_engine_21_calls_a_valid_freivalds_proof_invalid(
    kind: str, circuits: dict[tuple[str, bool], Built]
) -> None:
    """The page must refuse these circuits up front: its verdict on them means nothing."""
    result = _engine_21(circuits[kind, False])
    assert result["engine_version"] == "21.0.0"
    assert result["proof_ezkl_version"] == engine.ezkl_version()
    given = result["as_given"]
    assert given["valid"] is False, "engine now verifies Freivalds proofs: let the page verify them"
    assert any(m in given["error"] for m in ENGINE_21_FREIVALDS_ERRORS), given["error"]
    assert result["flipped_byte"]["valid"] is False


@pytest.mark.parametrize("kind", KINDS)
def test_engine_21_verifies_a_disable_freivalds_proof_and_rejects_a_flipped_byte(
    kind: str, circuits: dict[tuple[str, bool], Built]
) -> None:
    result = _engine_21(circuits[kind, True])
    assert result["as_given"]["valid"] is True, result["as_given"]["error"]
    assert result["as_given"]["error"] is None
    flipped = result["flipped_byte"]
    assert flipped["valid"] is False
    assert flipped["error"], "a tampered proof must make the engine throw"
