"""zkverify: prove that a small model produced an output, and let anyone verify it.

The Python API mirrors the command line, one function per command::

    import zkverify
    zkverify.export("examples/models.py:digits_mlp", (1, 64), "out/model")
    res = zkverify.build("circuits/digits_mlp.toml", "out/digits")
    bundle = zkverify.prove("out/digits", "input.json", "proof.json")
    verdict = zkverify.verify("out/digits", bundle)    # or a path to the bundle
    assert verdict                                     # falsy when invalid
    print(verdict.prediction, verdict.srs)             # proven values only

Entry points: :func:`export`, :func:`build`, :func:`prove`, :func:`verify`, :func:`tune`,
:func:`estimate`; types :class:`BuildConfig`, :class:`BuildResult`, :class:`ProofBundle`,
:class:`Verdict`, :class:`Card`, :class:`CircuitDir`, :class:`Prover`; the errors under
:class:`ZkVerifyError`. Heavy modules (ezkl, torch, onnxruntime) load on first use, so
``import zkverify`` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .__about__ import __version__
from .api import build, estimate, export, prove, tune, verify
from .card import Card
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
    from .circuit import BuildConfig, BuildResult
    from .proving import Prover
    from .verdict import Verdict

__all__ = [
    "__version__",
    "BuildConfig",
    "BuildResult",
    "BundleError",
    "Card",
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
    "estimate",
    "export",
    "prove",
    "tune",
    "verify",
]

# Types whose modules import numpy or ezkl: loaded on first use. The last four are the names
# of the first release's API, kept working for scripts that use them.
_LAZY = {"BuildConfig": ("circuit", "BuildConfig"), "BuildResult": ("circuit", "BuildResult"),
         "Prover": ("proving", "Prover"), "Verdict": ("verdict", "Verdict"),
         "prove_file": ("proving", "prove"), "verify_bundle": ("verifying", "verify_bundle"),
         "export_model": ("exporting", "export_model"),
         "export_module": ("exporting", "export_module")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"zkverify.{module}"), attr)
    raise AttributeError(f"module 'zkverify' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
