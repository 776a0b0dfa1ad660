"""Issue 20: a proven accuracy. Tiny model, 10 samples, chunks of 4 (the last padded, masked)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from zkverify.cli import cli
from zkverify.evaluation import dataset_sha256
from zkverify.verifying import verify_bundle

from .tiny_model import tiny_mlp

TINY = ["--no-calibrate", "--run-arg", "input_scale=7", "--run-arg", "param_scale=7",
        "--run-arg", "logrows=12", "--run-arg", "decomp_base=32", "--run-arg", "decomp_legs=4"]


def run(*args: Any) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def ev(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("eval")
    model = tiny_mlp()
    x = np.random.default_rng(0).uniform(-1, 1, size=(10, 4)).astype(np.float32)
    with torch.no_grad():
        float_pred = model(torch.tensor(x)).argmax(-1).numpy()
    y = float_pred.copy()
    y[[1, 5]] = 1 - y[[1, 5]]  # two wrong labels
    np.save(d / "X.npy", x)
    np.save(d / "Y.npy", y)
    onnx = d / "tiny.onnx"
    torch.onnx.export(model, (torch.rand(1, 4),), str(onnx), input_names=["x"],
                      output_names=["scores"], dynamo=False, opset_version=18,
                      dynamic_axes={"x": {0: "batch_size"}, "scores": {0: "batch_size"}})
    code, _, err = run("evaluate", onnx, "--data", d / "X.npy", "--labels", d / "Y.npy",
                       "-o", d / "c", "--chunk-size", "4", *TINY)
    assert code == 0, err
    code, out, err = run("prove", d / "c", "--data", d / "X.npy", "--labels", d / "Y.npy",
                         "-o", d / "ev.json", "--json")
    assert code == 0, err
    return {"dir": d, "c": d / "c", "bundle": d / "ev.json", "raw": json.loads(
        (d / "ev.json").read_text()), "prove": json.loads(out), "x": x, "y": y,
        "float_correct": int((float_pred == y).sum())}


def test_the_proven_accuracy_is_the_models(ev: dict[str, Any]) -> None:
    card = json.loads((ev["c"] / "card.json").read_text())
    assert card["evaluation"]["chunk_size"] == 4 and card["evaluation"]["input_scale"] == 7
    assert [t["name"] for t in card["inputs"]] == ["x", "labels", "mask"]
    assert card["visibility"]["input"] == "hashed" and card["visibility"]["output"] == "public"
    raw = ev["raw"]
    assert raw["kind"] == "evaluation" and len(raw["chunks"]) == 3
    code, out, err = run("verify", ev["c"], ev["bundle"], "--json")
    v = json.loads(out)
    assert code == 0 and v["valid"], err
    assert (v["correct"], v["total"]) == (ev["float_correct"], 10) == (8, 10)
    assert v["accuracy"] == 0.8 and v["dataset_sha256"] == ev["prove"]["dataset_sha256"]


def test_below_the_bound_is_exit_4_and_still_valid(ev: dict[str, Any]) -> None:
    code, out, _ = run("verify", ev["c"], ev["bundle"], "--min-accuracy", "0.9", "--json")
    v = json.loads(out)
    assert code == 4 and v["valid"] and v["accuracy"] == 0.8 and "--min-accuracy" in v["policy"]
    code, _, _ = run("verify", ev["c"], ev["bundle"], "--min-accuracy", "0.8")
    assert code == 0


def test_the_data_set_is_pinned_or_recomputed_from_the_files(ev: dict[str, Any]) -> None:
    h = ev["prove"]["dataset_sha256"]
    code, _, _ = run("verify", ev["c"], ev["bundle"], "--dataset-sha256", h)
    assert code == 0
    code, out, _ = run("verify", ev["c"], ev["bundle"], "--dataset-sha256", "0" * 64, "--json")
    assert code == 1 and json.loads(out)["field"] == "evaluation.dataset_sha256"
    code, _, err = run("verify", ev["c"], ev["bundle"], "--data", ev["dir"] / "X.npy",
                       "--labels", ev["dir"] / "Y.npy")
    assert code == 0, err
    y2 = ev["y"].copy()
    y2[9] = 1 - y2[9]  # one label of the last chunk changed: another data set
    np.save(ev["dir"] / "Y2.npy", y2)
    code, out, _ = run("verify", ev["c"], ev["bundle"], "--data", ev["dir"] / "X.npy",
                       "--labels", ev["dir"] / "Y2.npy", "--json")
    assert code == 1 and json.loads(out)["field"] == "evaluation.dataset_sha256"


def follow(raw: dict[str, Any]) -> None:
    """Rewrite the bundle's figures to follow its (edited) chunk list: only the pin can tell."""
    from zkverify.verdict import felt_int

    def inst(p: dict[str, Any]) -> list[str]:
        return [f for col in p["instances"] for f in col]

    hashes = [inst(c["proof"])[:3] for c in raw["chunks"]]
    counts = [(felt_int(inst(c["proof"])[3]), felt_int(inst(c["proof"])[4])) for c in raw["chunks"]]
    correct, total = sum(c for c, _ in counts), sum(n for _, n in counts)
    raw["evaluation"].update(chunks=len(raw["chunks"]), correct=correct, total=total,
                             accuracy=correct / total, dataset_sha256=dataset_sha256(4, hashes))


@pytest.mark.parametrize("edit, field, pinned", [
    (lambda b: b["chunks"].pop(1), "evaluation.chunks", False),  # left out, figures as proved
    (lambda b: (b["chunks"].pop(1), follow(b)), "evaluation.dataset_sha256", True),
    (lambda b: (b["chunks"].reverse(), follow(b)), "evaluation.dataset_sha256", True),
    (lambda b: b["chunks"].append(copy.deepcopy(b["chunks"][0])), "chunks[3]", False),
    (lambda b: b["evaluation"].update(correct=10, accuracy=1.0), "evaluation.correct", False),
    (lambda b: b["evaluation"].update(accuracy=0.9), "evaluation.accuracy", False),
])
def test_edited_evaluation_bundles_are_invalid(ev: dict[str, Any], edit: Any, field: str,
                                               pinned: bool) -> None:
    raw = copy.deepcopy(ev["raw"])
    edit(raw)
    pin = ev["prove"]["dataset_sha256"] if pinned else None
    v = verify_bundle(ev["c"], raw, dataset_sha256=pin)
    assert not v.valid and v.field == field, v.reason


def test_a_count_edited_in_the_proof_breaks_it(ev: dict[str, Any]) -> None:
    from zkverify.verdict import FIELD_MODULUS, felt_int

    raw = copy.deepcopy(ev["raw"])
    col = raw["chunks"][0]["proof"]["instances"][0]
    col[3] = ((felt_int(col[3]) + 1) % FIELD_MODULUS).to_bytes(32, "little").hex()
    follow(raw)  # the figures follow the edited count: only the proof can tell
    v = verify_bundle(ev["c"], raw)
    assert not v.valid and v.field == "chunks[0].proof"


def test_two_workers_prove_the_same_figures(ev: dict[str, Any]) -> None:
    code, out, err = run("prove", ev["c"], "--data", ev["dir"] / "X.npy", "--labels",
                         ev["dir"] / "Y.npy", "-o", ev["dir"] / "ev2.json", "--workers", "2",
                         "--json")
    assert code == 0, err
    d = json.loads(out)
    assert {k: d[k] for k in ("correct", "total", "dataset_sha256")} == {
        k: ev["prove"][k] for k in ("correct", "total", "dataset_sha256")}
    code, _, _ = run("verify", ev["c"], ev["dir"] / "ev2.json")
    assert code == 0


def test_bad_data_is_one_line(ev: dict[str, Any], tmp_path: Path) -> None:
    np.save(tmp_path / "Y.npy", ev["y"][:7])
    code, _, err = run("prove", ev["c"], "--data", ev["dir"] / "X.npy", "--labels",
                       tmp_path / "Y.npy", "-o", tmp_path / "p.json")
    assert code == 2 and "7 labels for 10 samples" in err and not (tmp_path / "p.json").exists()
    code, _, err = run("prove", ev["c"], "-o", tmp_path / "p.json")
    assert code == 2 and "prove needs INPUT" in err
