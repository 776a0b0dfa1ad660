"""The tuner on the tiny model with a tiny search space: every candidate is real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkverify.cli import cli
from zkverify.errors import UsageError
from zkverify.manifest import CircuitDir
from zkverify.proving import Prover
from zkverify.tuning import SearchSpace, min_logrows, tune
from zkverify.verifying import verify_bundle

SPACE = SearchSpace(scales=(1, 6, 7), decomp=((32, 4), (1024, 2)), inner_cols=(2,), prove_top=2)


@pytest.fixture()
def tiny_onnx(tiny_circuit: CircuitDir, tmp_path: Path) -> Path:
    src = tmp_path / "tiny.onnx"
    shutil.copyfile(tiny_circuit.onnx, src)
    return src


def test_tune_picks_a_verified_accurate_circuit_and_builds_it(tiny_onnx: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "tuned"
    res = tune(tiny_onnx, out, max_error=0.05, space=SPACE)
    by_scale = {c.run_args["input_scale"]: c for c in res.candidates}
    # Scale 1 is far too coarse; the search stops at the first scale meeting the bound.
    assert by_scale[1].status == "inaccurate" and by_scale[1].max_abs_error > 0.05
    chosen = res.chosen
    assert chosen.status == "verified" and chosen.prove_seconds and chosen.pk_bytes
    assert chosen.max_abs_error is not None and chosen.max_abs_error <= 0.05
    verified = [c for c in res.candidates if c.status == "verified"]
    assert len(verified) == 2 and chosen.prove_seconds == min(c.prove_seconds for c in verified)
    assert all(c.logrows >= 6 and c.num_rows > 0 for c in res.candidates)
    # The directory is a normal circuit with the chosen settings, ready for `prove`.
    m = CircuitDir(out).load_manifest()
    for key in ("input_scale", "decomp_base", "decomp_legs", "num_inner_cols", "logrows"):
        assert m.run_args[key] == chosen.run_args[key], key
    bundle = Prover(out).prove_file(CircuitDir(out).input)
    assert verify_bundle(out, bundle).valid


def test_tuned_bound_holds_when_measured_independently(tiny_onnx: Path, tmp_path: Path) -> None:
    """Not the tuner's own report: prove its calibration inputs in the built directory and
    compare the verified outputs with onnxruntime's float outputs."""
    import numpy as np

    from zkverify.exporting import run_onnx
    from zkverify.sources import RANDOM_SAMPLES

    out = tmp_path / "tuned"
    tune(tiny_onnx, out, max_error=0.05, space=SearchSpace(scales=(6, 7), prove_top=1))
    # With no --calibration-data the tuner measures on these (sources.load_calibration).
    samples = np.random.default_rng(0).uniform(-1, 1, size=(RANDOM_SAMPLES, 4))
    prover, worst = Prover(out), 0.0
    for x in samples[:6]:
        bundle = prover.prove_values([x])  # a feed: one flat array per graph input
        verdict = verify_bundle(out, bundle)
        assert verdict.valid and verdict.outputs is not None
        want = run_onnx(tiny_onnx, [x.reshape(1, 4).astype(np.float32)])[0].reshape(-1)
        worst = max(worst, float(np.max(np.abs(np.asarray(verdict.outputs[0]) - want))))
    assert 0 < worst <= 0.05


def test_tune_cli_prints_the_candidates_table(tiny_onnx: Path, tmp_path: Path) -> None:
    out = tmp_path / "tuned"
    res = CliRunner().invoke(cli, ["tune", str(tiny_onnx), "-o", str(out), "--max-error", "0.05",
                                   "--scales", "7", "--prove-top", "1"])
    assert res.exit_code == 0, res.output
    assert "candidates (k = logrows)" in res.output
    assert "chosen: scale 7, logrows " in res.output and f"built {out}" in res.output
    assert "inaccurate" not in res.output  # scale 7 meets 0.05 on this model
    m = CircuitDir(out).load_manifest()
    assert m.run_args["input_scale"] == 7 and m.calibration["calibrated"] is False
    assert (out / "pk.key").is_file()


def test_tune_reports_an_impossible_bound(tiny_onnx: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no scale in \[1, 2\] meets the accuracy bound "
                                         r"\(max abs error <= 1e-09\)"):
        tune(tiny_onnx, tmp_path / "x", max_error=1e-9, space=SearchSpace(scales=(1, 2)))
    assert not (tmp_path / "x").exists()


def test_min_logrows_covers_rows_and_tables() -> None:
    s = {"num_rows": 3000, "required_range_checks": [[0, 1023], [-1, 1]], "required_lookups": [],
         "run_args": {"lookup_range": [-32768, 32768]}}
    assert min_logrows(s) == 12
    s["required_range_checks"] = [[0, 16383]]
    assert min_logrows(s) == 15
    s["required_lookups"] = ["ReLu"]
    assert min_logrows(s) == 17
