"""zkverify: prove that a small model produced an output, and let anyone verify it.

The public API is small::

    import zkverify
    res = zkverify.build("circuits/digits_mlp.toml", "out/digits")
    bundle = zkverify.prove_file("out/digits", "input.json", "proof.json")
    verdict = zkverify.verify_bundle("out/digits", bundle)
    assert verdict.valid

Heavy modules (ezkl, torch, onnxruntime) load on first use, so ``import zkverify`` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .__about__ import __version__
from .errors import (
    BundleError,
    CircuitError,
    EngineError,
    InputError,
    InvalidProof,
    ModelError,
    ToleranceError,
    UsageError,
    ZkVerifyError,
)
from .manifest import CircuitDir, Manifest, ProofBundle

if TYPE_CHECKING:
    from .circuit import BuildConfig, BuildResult, build
    from .export import export_model, export_module
    from .prove import Prover
    from .prove import prove as prove_file
    from .verify import Verdict, verify_bundle

__all__ = [
    "__version__",
    "BuildConfig",
    "BuildResult",
    "BundleError",
    "CircuitDir",
    "CircuitError",
    "EngineError",
    "InputError",
    "InvalidProof",
    "Manifest",
    "ModelError",
    "ProofBundle",
    "Prover",
    "ToleranceError",
    "UsageError",
    "Verdict",
    "ZkVerifyError",
    "build",
    "export_model",
    "export_module",
    "prove_file",
    "verify_bundle",
]

_LAZY = {
    "BuildConfig": "circuit", "BuildResult": "circuit", "build": "circuit",
    "export_model": "export", "export_module": "export",
    "Prover": "prove", "prove_file": "prove",
    "Verdict": "verify", "verify_bundle": "verify",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        attr = "prove" if name == "prove_file" else name
        return getattr(importlib.import_module(f"zkverify.{_LAZY[name]}"), attr)
    raise AttributeError(f"module 'zkverify' has no attribute {name!r}")
