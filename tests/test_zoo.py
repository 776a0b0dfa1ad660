"""Issue 13: the model zoo. Every architecture in tests/zoo_models.py is exported the way a user
would (tree models through `zkverify export model.joblib`), then built, proved and verified
through the CLI with a tiny circuit, its proven outputs compared with onnxruntime's float
outputs, and its bundle tampered once (verify exits 1). Plus `zkverify export` for estimators
and several-input torch modules, and its one-line errors.
"""

from __future__ import annotations

import importlib.util
import json
import pickle
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from click.testing import CliRunner

from zkverify.cli import cli
from zkverify.exporting import run_onnx

from .zoo_models import BY_NAME, ZOO, ZooModel, export_zoo, run_args

TESTS = Path(__file__).parent
pytest.importorskip("hummingbird", reason="the trees extra (hummingbird-ml) is not installed")


def run(*args: Any) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


def build_args(m: ZooModel) -> list[str]:
    args = ["--no-calibrate", "--logrows", str(m.logrows), "--json"]
    for k, v in run_args(m).items():
        args += ["--run-arg", f"{k}={v[0]},{v[1]}" if isinstance(v, tuple) else f"{k}={v}"]
    for c in m.classifier:
        args += ["--classifier", c]
    return args


def export(m: ZooModel, d: Path) -> tuple[Path, Path]:
    """network.onnx and input.json: trees through the CLI from a joblib file, torch through
    zkverify's exporter (the CLI's own code, fed the module directly)."""
    model = m.make()
    if isinstance(model, __import__("torch").nn.Module):
        res = export_zoo(m, d)
        return res.onnx_path, res.input_path
    joblib.dump(model, d / "model.joblib")
    code, out, err = run("export", d / "model.joblib", "-o", d, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["reference"] == ("predict_proba" if m.classifier else "predict")
    assert info["classifier_outputs"] == list(m.classifier)
    return Path(info["onnx"]), Path(info["input"])


def zoo_params() -> list[Any]:
    out = []
    for m in ZOO:
        marks = [pytest.mark.slow] if m.logrows >= 12 else []
        marks += [pytest.mark.skipif(importlib.util.find_spec(n) is None, reason=f"needs {n}")
                  for n in m.needs]
        out.append(pytest.param(m.name, marks=marks, id=m.name))
    return out


@pytest.mark.parametrize("name", zoo_params())
def test_zoo_model_proves_verifies_and_refuses_a_tampered_bundle(name: str, tmp_path: Path) -> None:
    m = BY_NAME[name]
    onnx_path, input_path = export(m, tmp_path)
    code, out, err = run("build", onnx_path, "-o", tmp_path / "c", *build_args(m))
    assert code == 0, err
    assert json.loads(out)["manifest"]["logrows"] == m.logrows
    bundle_path = tmp_path / "proof.json"
    code, _, err = run("prove", tmp_path / "c", input_path, "-o", bundle_path, "--json")
    assert code == 0, err
    bundle = json.loads(bundle_path.read_text())
    # The proven outputs are the float model's, up to fixed point at scale 7 (integers exact).
    feed = [np.asarray(a) for a in json.loads(input_path.read_text())["input_data"] if a]
    want = run_onnx(onnx_path, [[a.reshape(t["shape"]) for a, t in
                                 zip(feed, bundle["inputs"], strict=True)]], all_outputs=True)[0]
    for w, o in zip(want, bundle["outputs"], strict=True):
        got = np.asarray(o["values"], np.float64)
        if o["dtype"] in ("int64", "int32", "bool"):
            assert got.tolist() == w.reshape(-1).astype(np.float64).tolist(), o["name"]
        else:
            assert np.max(np.abs(got - w.reshape(-1))) <= 0.1 * max(1.0, np.abs(w).max()), o["name"]
    code, out, _ = run("verify", tmp_path / "c", bundle_path, "--json")
    assert code == 0 and json.loads(out)["valid"], out
    # Tampered once: the first output's first value moved by one unit.
    v = bundle["outputs"][0]["values"][0]
    bundle["outputs"][0]["values"][0] = (not v) if isinstance(v, bool) else v + 1
    (tmp_path / "bad.json").write_text(json.dumps(bundle))
    code, out, _ = run("verify", tmp_path / "c", tmp_path / "bad.json", "--json")
    assert code == 1 and not json.loads(out)["valid"]


def test_zoo_covers_every_family_and_input_kind() -> None:
    families = " ".join(m.family for m in ZOO)
    for f in ("linear", "conv", "pooling", "normalization", "activations", "attention",
              "recurrent", "embeddings/gather", "trees", "comparisons and where", "reductions"):
        assert f in families, f
    dtypes = {d for m in ZOO for d in (m.dtypes or ("float32",) * len(m.shapes))}
    assert dtypes == {"float32", "int64", "bool"}
    assert any(not m.shapes for m in ZOO) and any(len(m.shapes) > 1 for m in ZOO)
    assert len(ZOO) >= 20


# --- zkverify export: estimators and several inputs ----------------------------------------


@pytest.fixture(scope="module")
def forest_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forest") / "forest.pkl"
    path.write_bytes(pickle.dumps(BY_NAME["sk_forest"].make()))
    return path


def test_export_pickle_shape_from_n_features(forest_file: Path, tmp_path: Path) -> None:
    code, out, err = run("export", forest_file, "-o", tmp_path)
    assert code == 0, err
    assert "onnxruntime vs predict_proba on 64 random inputs" in out
    assert "build with --classifier probabilities" in out
    code, out, _ = run("export", forest_file, "--input-shape", "2,4", "-o", tmp_path / "b", "--json")
    info = json.loads(out)
    assert code == 0 and info["inputs"] == [{"name": "input", "dtype": "float32", "shape": [2, 4]}]
    assert [o["name"] for o in info["outputs"]] == ["label", "probabilities"]
    assert info["outputs"][1]["shape"] == [2, 3] and info["max_abs_diff"] < 1e-4


def test_export_torch_module_with_two_typed_inputs(tmp_path: Path) -> None:
    code, out, err = run("export", f"{TESTS / 'zoo_models.py'}:two_in_two_out",
                         "--input-shape", "1,3", "--input-shape", "1x2",
                         "--input-dtype", "float32", "--input-dtype", "int64",
                         "-o", tmp_path, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["inputs"] == [{"name": "x", "dtype": "float32", "shape": [1, 3]},
                              {"name": "ids", "dtype": "int64", "shape": [1, 2]}]
    assert [o["name"] for o in info["outputs"]] == ["output_0", "output_1"]
    data = json.loads((tmp_path / "input.json").read_text())["input_data"]
    assert len(data) == 2 and all(float(v).is_integer() and 0 <= v < 8 for v in data[1])


@pytest.mark.parametrize("args, needle", [
    (["--input-shape", "1,5"], "the RandomForestClassifier was fitted on 4 features"),
    (["--input-shape", "1,2,2"], "an estimator takes rows of features"),
    (["--input-dtype", "int64"], "an estimator takes one float32 input"),
    (["--weights", "w.pt"], "--weights is for torch modules"),
])
def test_export_estimator_usage_errors(forest_file: Path, tmp_path: Path, args: list[str],
                                       needle: str) -> None:
    code, _, err = run("export", forest_file, *args, "-o", tmp_path)
    assert code == 2 and needle in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "network.onnx").exists()


def test_export_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "dict.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    (tmp_path / "junk.joblib").write_bytes(b"not a pickle")
    for name, needle in (("dict.pkl", "holds a dict, not a scikit-learn, XGBoost or LightGBM"),
                         ("junk.joblib", "not a pickle or joblib file"),
                         ("missing.pkl", "no such file")):
        code, _, err = run("export", tmp_path / name, "-o", tmp_path / "out")
        assert code == 2 and needle in err and "Traceback" not in err, err
    code, _, err = run("export", f"{TESTS / 'zoo_models.py'}:two_in_two_out", "--input-shape",
                       "1,3", "--input-shape", "1,2", "--input-dtype", "int64", "-o", tmp_path)
    assert code == 2 and "--input-dtype given 1 times for 2 input shapes" in err
    code, _, err = run("export", f"{TESTS / 'zoo_models.py'}:two_in_two_out", "-o", tmp_path)
    assert code == 2 and "--input-shape is required for a torch module" in err


def test_export_help_warns_that_a_pickle_runs_code() -> None:
    code, out, _ = run("export", "--help")
    assert code == 0 and "Loading a pickle runs code" in " ".join(out.split())


def test_export_estimator_without_the_trees_extra_names_the_install(forest_file: Path,
                                                                    tmp_path: Path) -> None:
    from .test_lean import run_blocked

    res = run_blocked(("hummingbird",), [["export", str(forest_file), "-o", str(tmp_path)]])
    r = res["results"][0]
    assert r["code"] == 2 and "Traceback" not in r["stderr"], r
    assert ("needs the 'trees' extra (hummingbird is not installed): pip install "
            "'zkverify[trees]' && pip install --no-deps hummingbird-ml==0.4.12") in r["stderr"]
