"""The Python API: one function per CLI command, taking what the command takes.

Each function calls the same stage the command calls, so a script and a CI job get the same
results; errors are the same exceptions (``zkverify.ZkVerifyError`` and its subclasses) the CLI
turns into one-line messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .circuit import BuildConfig, BuildResult
    from .estimating import Estimate
    from .exporting import ExportResult
    from .manifest import ProofBundle
    from .tuning import TuneResult
    from .verdict import Verdict

__all__ = ["build", "estimate", "export", "prove", "tune", "verify"]

PathLike = str | Path


def export(model: str, input_shape: Sequence[int], out_dir: PathLike,
           weights: PathLike | None = None) -> ExportResult:
    """``zkverify export``: a torch module (``file.py:factory`` or ``pkg.module:factory``) to
    ``out_dir/network.onnx`` and a sample ``input.json``, checked against onnxruntime."""
    from .exporting import export_model

    return export_model(model, tuple(input_shape), Path(out_dir),
                        Path(weights) if weights is not None else None)


def build(source: PathLike, out_dir: PathLike, config: BuildConfig | None = None,
          **options: Any) -> BuildResult:
    """``zkverify build``: a circuit directory from an ``.onnx`` file or a ``circuits/*.toml`` spec.

    ``options`` are :class:`zkverify.BuildConfig` fields (``calibration_data=``,
    ``param_visibility=``, ``tolerance=``, ``run_args={...}``, ...), or pass ``config``.
    """
    from dataclasses import replace

    from .circuit import BuildConfig
    from .circuit import build as run_build

    cfg = replace(config or BuildConfig(), **options) if options else (config or BuildConfig())
    return run_build(source, out_dir, cfg)


def prove(circuit_dir: PathLike, input: PathLike | np.ndarray | list[Any],  # noqa: A002
          out: PathLike | None = None) -> ProofBundle:
    """``zkverify prove``: prove one inference; ``input`` is a file (.json, .npy) or the values.

    Writes the bundle to ``out`` when given (an existing directory gets ``<input>.proof.json``
    inside, as the CLI does) and returns it.
    """
    from .proving import Prover

    prover = Prover(circuit_dir)
    if isinstance(input, str | Path):
        bundle = prover.prove_file(input)
        name = Path(input).stem
    else:
        bundle = prover.prove_values(prover.coerce(input))
        name = "input"
    if out is not None:
        dest = Path(out)
        bundle.save(dest / f"{name}.proof.json" if dest.is_dir() else dest)
    return bundle


def verify(circuit_dir: PathLike, bundle: ProofBundle | dict[str, Any] | PathLike, *,
           require_ceremony_srs: bool = False, circuit_id: str | None = None) -> Verdict:
    """``zkverify verify``: the verdict on a bundle (a ProofBundle, its JSON, or a path).

    ``circuit_dir`` needs ``card.json``, ``settings.json``, ``vk.key`` and ``kzg.srs``. The
    :class:`~zkverify.Verdict` is falsy when invalid and carries only proven values;
    ``verdict.exit_code`` is what the CLI would exit with (4: refused by a policy).
    """
    from .verifying import verify_bundle

    return verify_bundle(circuit_dir, bundle, require_ceremony_srs=require_ceremony_srs,
                         circuit_id=circuit_id)


def tune(source: PathLike, out_dir: PathLike | None, *, max_error: float | None = None,
         min_agreement: float | None = None, config: BuildConfig | None = None) -> TuneResult:
    """``zkverify tune``: the cheapest circuit within the accuracy bound, checked by real
    setup, prove and verify, built into ``out_dir`` (None: search only)."""
    from .tuning import tune as run_tune

    return run_tune(source, out_dir, config, max_error=max_error, min_agreement=min_agreement)


def estimate(source: PathLike, max_logrows: int | None = None,
             calibration_data: PathLike | None = None) -> Estimate:
    """``zkverify estimate``: logrows, key size, prove time and gas before any key setup."""
    from .circuit import BuildConfig
    from .estimating import estimate_source

    cfg = BuildConfig(calibration_data=Path(calibration_data) if calibration_data else None,
                      run_args={"logrows": max_logrows} if max_logrows else {})
    return estimate_source(source, cfg)[0]
