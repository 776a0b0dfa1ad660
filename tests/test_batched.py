"""Issue 19: batched circuits, B inferences in one proof; padding is a claim the verdict checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import torch
from click.testing import CliRunner

from zkverify.circuit import build
from zkverify.cli import cli
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.proving import Prover
from zkverify.verifying import verify_bundle

from .conftest import TESTS, tiny_config
from .io_models import TwoInTwoOut

B = 4
INPUTS = [{"inputs": {"x": [0.1, 0.2, 0.3], "ids": [1, 2]}},
          {"input_data": [[0.5, -0.25, 1.0], [1, 5]]},
          {"inputs": {"x": [-0.7, 0.9, 0.05], "ids": [7, 0]}}]


def run(*args: Any) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


def export(path: Path, dynamic: bool) -> Path:
    axes = {n: {0: "batch_size"} for n in ("x", "ids", "scores", "total")} if dynamic else None
    torch.onnx.export(TwoInTwoOut(), (torch.randn(1, 3), torch.tensor([[1, 5]])), str(path),
                      input_names=["x", "ids"], output_names=["scores", "total"], dynamo=False,
                      opset_version=18, dynamic_axes=axes)
    return path


def jsonl(path: Path, items: list[Any]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    return path


@pytest.fixture(scope="module")
def circuits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CircuitDir]:
    root = tmp_path_factory.mktemp("batched")
    onnx = export(root / "two_dyn.onnx", dynamic=True)
    cfg = {"classifier": None, "classifier_outputs": ("scores",)}
    return {
        "one": build(onnx, root / "one", tiny_config(name="one", **cfg)).circuit,
        "b4": build(onnx, root / "b4", tiny_config(name="b4", batch_size=B, **cfg)).circuit,
    }


@pytest.fixture(scope="module")
def proved(circuits: dict[str, CircuitDir], tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("proved")
    path = d / "b.proof.json"
    code, out, err = run("prove", circuits["b4"].path, jsonl(d / "two.jsonl", INPUTS[:2]),
                         "-o", path, "--json")
    assert code == 0, err
    return {"path": path, "raw": json.loads(path.read_text()), "cli": json.loads(out)}


def test_card_and_shapes_carry_the_batch(circuits: dict[str, CircuitDir]) -> None:
    card = json.loads(circuits["b4"].card.read_text())
    assert card["batch_size"] == B
    assert [t["shape"] for t in card["inputs"]] == [[B, 3], [B, 2]]
    assert [t["shape"] for t in card["outputs"]] == [[B, 2], [B, 1]]
    assert circuits["b4"].load_manifest().batch_size == B
    assert "batch_size" not in json.loads(circuits["one"].card.read_text())


def test_fixed_batch_axis_is_refused_in_one_line(tmp_path: Path) -> None:
    onnx = export(tmp_path / "fixed.onnx", dynamic=False)
    code, _, err = run("build", onnx, "-o", tmp_path / "c", "--batch-size", "4", "--no-calibrate")
    assert code == 2 and "input 'x' has a fixed batch axis of 1; --batch-size 4 needs a " \
                         "symbolic batch axis" in err
    assert not (tmp_path / "c").exists()


def test_two_of_four_prove_exactly_what_one_at_a_time_proves(
        circuits: dict[str, CircuitDir], proved: dict[str, Any], tmp_path: Path) -> None:
    raw = proved["raw"]
    assert raw["kind"] == "batched" and raw["batch"] == {"size": B, "real": 2}
    v = verify_bundle(circuits["b4"], raw)
    assert v.valid and v.batch == {"size": B, "real": 2} and len(v.predictions or []) == 2
    assert proved["cli"]["predictions"] == v.predictions
    singles = []
    for i, item in enumerate(INPUTS[:2]):
        path = tmp_path / f"in{i}.json"
        path.write_text(json.dumps(item))
        sv = verify_bundle(circuits["one"], Prover(circuits["one"]).prove_file(path))
        assert sv.valid
        singles.append(sv.predictions[0] if sv.predictions else None)
    assert v.predictions == singles  # same model, same scales: the same fixed-point answers
    code, out, _ = run("verify", circuits["b4"].path, proved["path"])
    assert code == 0 and "(2 inputs in a batch of 4)" in out


@pytest.mark.parametrize("edit, field", [
    (lambda b: b["batch"].update(real=1), "batch.real"),  # row 1 is a real input, not padding
    (lambda b: b["batch"].update(real=5), "batch"),
    (lambda b: b.update(kind="single"), "kind"),
    (lambda b: b.pop("batch"), "batch"),
    (lambda b: b["outputs"][0]["prediction"].__setitem__(1, 1 - b["outputs"][0]["prediction"][1]),
     "outputs[0].prediction"),
    (lambda b: b["inputs"][1]["values"].__setitem__(3, 6), "inputs[1].values"),
])
def test_tampered_batched_bundle_is_invalid(circuits: dict[str, CircuitDir],
                                            proved: dict[str, Any], edit: Any, field: str) -> None:
    raw = copy.deepcopy(proved["raw"])
    edit(raw)
    v = verify_bundle(circuits["b4"], raw)
    assert not v.valid and v.field == field, v.reason


def test_evm_verify_batched(circuits: dict[str, CircuitDir], proved: dict[str, Any],
                            tmp_path: Path) -> None:
    code, out, err = run("evm", "verify", circuits["b4"].path, proved["path"], "--json")
    d = json.loads(out)
    assert code == 0 and d["valid"] and len(d["predictions"]) == 2, err
    assert d["gas"] > 0 and d["gas_per_inference"] == d["gas"] // 2
    raw = copy.deepcopy(proved["raw"])
    raw["batch"]["real"] = 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    code, out, _ = run("evm", "verify", circuits["b4"].path, bad, "--json")
    assert code == 1 and json.loads(out)["field"] == "batch.real"


def test_more_inputs_than_b_need_a_directory(circuits: dict[str, CircuitDir],
                                             tmp_path: Path) -> None:
    src = jsonl(tmp_path / "many.jsonl", INPUTS * 2)
    code, _, err = run("prove", circuits["b4"].path, src, "-o", tmp_path / "p.json")
    assert code == 2 and "6 inputs for a circuit of batch size 4 (pass -o DIR/" in err
    code, out, err = run("prove", circuits["b4"].path, src, "-o", tmp_path / "dir", "--json")
    s = json.loads(out)
    assert code == 0 and (s["count"], s["ok"], s["batch_size"]) == (2, 2, B), err
    reals = []
    for k in range(2):
        b = ProofBundle.load(tmp_path / "dir" / f"proof-{k:06d}.json")
        v = verify_bundle(circuits["b4"], b)
        assert v.valid and v.batch is not None
        reals.append(v.batch["real"])
    assert reals == [4, 2]
    code, out, _ = run("prove", circuits["b4"].path, src, "-o", tmp_path / "dir", "--json")
    assert code == 0 and json.loads(out)["skipped"] == 2  # resumable, as batch proving is


def test_service_infers_a_batch(circuits: dict[str, CircuitDir], tmp_path: Path) -> None:
    import httpx

    from .service_fixtures import TOKEN, ThreadServer

    with ThreadServer([circuits["b4"].path], tmp_path / "db.sqlite") as srv:
        info = httpx.get(f"{srv.url}/v1/circuits").json()[0]
        assert info["batch_size"] == B
        r = httpx.post(f"{srv.url}/v1/circuits/b4/infer", json={"batch": INPUTS},
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["predictions"]) == 3 and body["bundle"]["batch"]["real"] == 3
        v = httpx.post(f"{srv.url}/v1/verify", json=body["bundle"], timeout=60).json()
        assert v["valid"] and v["predictions"] == body["predictions"]
        r = httpx.post(f"{srv.url}/v1/circuits/b4/infer", json={"batch": INPUTS * 2},
                       headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 422 and "expected 1 to 4 inputs" in r.json()["detail"]


def test_torch_source_exported_with_the_batch_axis(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.toml"
    spec.write_text(f'name = "tinyb"\n[model]\nfactory = "{TESTS / "tiny_model.py"}:tiny_mlp"\n'
                    f'input_shape = [1, 4]\nclassifier = true\n')
    cd = build(spec, tmp_path / "c", tiny_config(name="tinyb", classifier=None,
                                                 batch_size=2)).circuit
    assert json.loads(cd.card.read_text())["inputs"][0]["shape"] == [2, 4]
    src = jsonl(tmp_path / "in.jsonl", [[0.1, 0.2, 0.3, 0.4], [-0.5, 0.5, 0.25, 0.0]])
    v = verify_bundle(cd, Prover(cd).prove_file(src))
    assert v.valid and v.batch == {"size": 2, "real": 2}
    assert all(isinstance(p, int) for p in v.predictions or [None])


def test_tune_picks_the_batch_size(tmp_path: Path) -> None:
    from zkverify.tuning import SearchSpace, tune_batch_size

    onnx = export(tmp_path / "dyn.onnx", dynamic=True)
    res = tune_batch_size(onnx, tmp_path / "t", tiny_config(
        name="t", classifier=None, classifier_outputs=("scores",), calibrate=True, run_args={}),
        max_error=0.05, space=SearchSpace(scales=(7,), prove_top=1), sizes=(1, 4))
    rows = {r["batch_size"]: r for r in res.batch_candidates}
    assert set(rows) == {1, 4} and all(r["prove_seconds"] for r in rows.values())
    best = max(rows.values(), key=lambda r: r["inferences_per_second"])
    assert (res.batch_size or 1) == best["batch_size"]
    assert (CircuitDir(tmp_path / "t").load_manifest().batch_size or 1) == best["batch_size"]
