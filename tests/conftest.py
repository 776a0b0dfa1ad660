"""Shared fixtures. Expensive artifacts (tiny circuits, their keys, a proof) are built once per
session in a session temp dir; tests copy what they modify and never mutate these."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zkverify.circuit import BuildConfig, build
from zkverify.exporting import export_model
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.proving import prove

TESTS = Path(__file__).parent
# Small fixed-point settings: logrows 10 proves in ~0.3 s on 2 cores.
TINY_RUN_ARGS = {"input_scale": 7, "param_scale": 7, "logrows": 10, "decomp_base": 32,
                 "decomp_legs": 4}


def tiny_config(**overrides: object) -> BuildConfig:
    # The tiny models' two outputs are class scores (declared: never guessed from the size).
    kw: dict = {"calibrate": False, "run_args": dict(TINY_RUN_ARGS), "classifier": True}
    kw.update(overrides)
    return BuildConfig(**kw)


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point zkverify's SRS/key cache at a session directory, never the user's real cache."""
    import os

    d = tmp_path_factory.mktemp("zkverify-cache")
    os.environ["ZKVERIFY_CACHE_DIR"] = str(d)
    return d


def _build_tiny(root: Path, factory: str) -> CircuitDir:
    model_dir = root / f"{factory}-model"
    export_model(f"{TESTS / 'tiny_model.py'}:{factory}", (1, 4), model_dir)
    build(model_dir / "network.onnx", root / factory, tiny_config(name=factory))
    return CircuitDir(root / factory)


@pytest.fixture(scope="session")
def tiny_circuit(tmp_path_factory: pytest.TempPathFactory, _cache_dir: Path) -> CircuitDir:
    """A built circuit directory for tests/tiny_model.py:tiny_mlp (do not modify it)."""
    return _build_tiny(tmp_path_factory.mktemp("tiny"), "tiny_mlp")


@pytest.fixture(scope="session")
def other_circuit(tmp_path_factory: pytest.TempPathFactory, _cache_dir: Path) -> CircuitDir:
    """A second circuit of the same shape but other weights."""
    return _build_tiny(tmp_path_factory.mktemp("other"), "other_mlp")


@pytest.fixture(scope="session")
def tiny_bundle_path(tiny_circuit: CircuitDir, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid proof bundle file for tiny_circuit (copy it before changing it)."""
    out = tmp_path_factory.mktemp("bundle") / "proof.json"
    prove(tiny_circuit.path, tiny_circuit.input, out)
    return out


@pytest.fixture()
def tiny_bundle(tiny_bundle_path: Path) -> ProofBundle:
    """A fresh ProofBundle object each test (safe to modify)."""
    bundle = ProofBundle.load(tiny_bundle_path)
    assert isinstance(bundle, ProofBundle)  # prove writes zkverify.proof-bundle/2
    return bundle


@pytest.fixture()
def circuit_copy(tiny_circuit: CircuitDir, tmp_path: Path) -> CircuitDir:
    """A private copy of tiny_circuit that a test may damage."""
    dest = tmp_path / "circuit"
    shutil.copytree(tiny_circuit.path, dest)
    return CircuitDir(dest)
