"""Fitted scikit-learn, XGBoost and LightGBM estimators -> tensor ops ezkl proves.

ezkl does not prove ONNX-ML's tree operators (``TreeEnsembleClassifier``), so a tree model is
compiled into plain tensor ops by hummingbird-ml's torch backend and exported with torch's own
exporter, as ezkl's tree examples do. The graph is then checked against the estimator's own
``predict`` / ``predict_proba`` on random inputs spread over its split thresholds (inputs in
[-1, 1) would all fall in one leaf of a model trained on raw features).

Which hummingbird strategy: ``perf_tree_trav`` (Gather + comparisons). The ``gemm`` strategy,
hummingbird's default for shallow trees, ends in an ``Equal`` on a matrix product that does not
survive ezkl's fixed point: measured on a random forest, every probability came out 0 while the
proof still verified. ``tree_trav`` works too, with ~45% more rows.

Loading a pickle or joblib file runs code from it: load only files you trust.
"""

from __future__ import annotations

import copy
import io
import json
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError, UsageError
from .exporting import EXPORT_ATOL, OPSET, ExportResult, compare_outputs, run_onnx
from .extras import require
from .files import write_bytes_atomic, write_json_atomic
from .manifest import INPUT, ONNX

ESTIMATOR_SUFFIXES = (".pkl", ".pickle", ".joblib")
FRAMEWORKS = ("sklearn", "xgboost", "lightgbm")
TREE_IMPLEMENTATION = "perf_tree_trav"
CHECK_SAMPLES = 64


def framework_of(obj: Any) -> str | None:
    root = type(obj).__module__.split(".")[0]
    return root if root in FRAMEWORKS else None


def is_estimator(obj: Any) -> bool:
    return framework_of(obj) is not None and callable(getattr(obj, "predict", None))


def load_estimator(path: Path) -> Any:
    """Unpickle a fitted estimator (joblib reads plain pickles too). This runs the file's code."""
    require("sklearn")
    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    import joblib

    try:
        obj = joblib.load(path)
    except ModuleNotFoundError as e:
        raise ModelError(f"{path}: loading it needs the {e.name!r} package, which is not "
                         f"installed") from None
    except Exception as e:
        raise ModelError(f"{path}: not a pickle or joblib file ({type(e).__name__}: "
                         f"{str(e).splitlines()[0] if str(e) else ''})") from None
    if not is_estimator(obj):
        raise ModelError(f"{path}: holds a {type(obj).__name__}, not a scikit-learn, XGBoost or "
                         f"LightGBM estimator")
    return obj


def export_estimator(est: Any, shapes: Sequence[tuple[int, ...]], out_dir: Path,
                     input_dtypes: Sequence[str] | None = None, samples: int = CHECK_SAMPLES,
                     seed: int = 0) -> ExportResult:
    """Convert a fitted estimator with hummingbird, export it to ``out_dir/network.onnx``, and
    check the graph (onnxruntime) against the estimator's own predictions."""
    _require_hummingbird()
    import torch

    n = _n_features(est)
    shape = _shape(shapes, n, type(est).__name__)
    if any(d != "float32" for d in input_dtypes or []):
        raise UsageError("--input-dtype: an estimator takes one float32 input")
    module, out_names, classifier = convert(est, shape[-1])
    xs = sample_inputs(est, shape[-1], samples + 1, seed).reshape(samples + 1, 1, -1)
    rows = math.prod(shape[:-1])
    batches = [xs[(i * rows + np.arange(rows)) % len(xs)].reshape(shape) for i in range(samples)]
    example = batches[0]
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (torch.from_numpy(example),), buf,  # type: ignore[arg-type]
                              input_names=["input"],
                              output_names=out_names, opset_version=OPSET, dynamo=False)
    except Exception as e:
        raise ModelError(f"torch.onnx.export failed for the converted {type(est).__name__}: "
                         f"{str(e).splitlines()[0]}") from None
    onnx_bytes = buf.getvalue()
    got = run_onnx(onnx_bytes, batches, all_outputs=True)
    expected = [reference_outputs(est, x.reshape(-1, shape[-1]), classifier) for x in batches]
    ref = "predict_proba" if classifier else "predict"
    if classifier:  # labels must agree exactly; a probability within the float tolerance
        wrong = sum(int(not np.array_equal(w[0].reshape(-1), g[0].reshape(-1)))
                    for w, g in zip(expected, got, strict=True))
        if wrong:
            raise ModelError(f"the converted {type(est).__name__} predicts another class than "
                             f"the estimator on {wrong} of {samples} random inputs")
    diff = compare_outputs(expected, got, out_names, ref)
    atol = EXPORT_ATOL * max(1.0, max(float(np.max(np.abs(w[-1]))) for w in expected))
    if diff > atol:
        raise ModelError(f"the converted {type(est).__name__} disagrees with its {ref}: max abs "
                         f"diff {diff:.3g} > {atol:.3g}")
    onnx_path, input_path = out_dir / ONNX, out_dir / INPUT
    write_bytes_atomic(onnx_path, onnx_bytes)
    write_json_atomic(input_path, {"input_data": [example.reshape(-1).tolist()]})
    out_shapes = tuple(tuple(g.shape) for g in got[0])
    return ExportResult(onnx_path, input_path, shape, out_shapes[0], diff, samples, ("input",),
                        (shape,), ("float32",), tuple(out_names), out_shapes,
                        framework=framework_of(est) or "sklearn", reference=ref,
                        classifier_outputs=("probabilities",) if classifier else ())


def convert(est: Any, n_features: int) -> tuple[Any, list[str], bool]:
    """hummingbird's torch module for ``est``, its output names, and whether it classifies."""
    from hummingbird.ml import convert as hb_convert

    classifier = callable(getattr(est, "predict_proba", None))
    extra: dict[str, Any] = {"tree_implementation": TREE_IMPLEMENTATION, "n_features": n_features}
    target = est
    if framework_of(est) == "xgboost":
        target, extra = _xgboost_compat(est, extra, classifier)
    x = np.zeros((1, n_features), np.float32)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hb = hb_convert(target, "torch", x, extra_config=extra)
    except Exception as e:
        raise ModelError(f"hummingbird cannot convert {type(est).__name__}: {type(e).__name__}: "
                         f"{str(e).strip().splitlines()[0][:200] if str(e).strip() else ''}"
                         ) from None
    names = ["label", "probabilities"] if classifier else ["output"]
    return hb.model.eval(), names, classifier


def reference_outputs(est: Any, x: np.ndarray, classifier: bool) -> list[np.ndarray]:
    """What the estimator itself says: [class index, probabilities] or [prediction]."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "X does not have valid feature names"
        if classifier:
            label = np.searchsorted(np.asarray(est.classes_), est.predict(x))
            return [label.astype(np.int64), np.asarray(est.predict_proba(x), np.float64)]
        return [np.asarray(est.predict(x), np.float64)]


def _xgboost_compat(est: Any, extra: dict[str, Any], classifier: bool
                    ) -> tuple[Any, dict[str, Any]]:
    """xgboost >= 2 fits a base score and xgboost 3 writes it as ``"[0.62]"``; hummingbird
    0.4.12 reads a plain number and ignores it for binary classifiers. Give it the margin."""
    booster = est.get_booster()
    learner = json.loads(booster.save_config())["learner"]
    raw = str(learner["learner_model_param"]["base_score"]).strip("[]")
    base = [float(v) for v in raw.split(",") if v.strip()]
    objective = learner["objective"]["name"]
    if classifier:
        if objective == "binary:logistic" and len(base) == 1 and 0 < base[0] < 1:
            extra["base_prediction"] = [math.log(base[0] / (1 - base[0]))]
        return est, extra
    view = copy.copy(est)
    view.get_booster = lambda: _ScalarBaseScore(booster, base[0] if base else 0.5)
    return view, extra


class _ScalarBaseScore:
    """A booster whose config carries the base score as the plain number hummingbird reads."""

    def __init__(self, booster: Any, base: float) -> None:
        self._booster = booster
        self._base = base

    def __getattr__(self, name: str) -> Any:
        return getattr(self._booster, name)

    def save_config(self) -> str:
        cfg = json.loads(self._booster.save_config())
        cfg["learner"]["learner_model_param"]["base_score"] = repr(self._base)
        return json.dumps(cfg)


def sample_inputs(est: Any, n: int, count: int, seed: int = 0) -> np.ndarray:
    """``count`` random rows spread over each feature's split thresholds (±10%)."""
    rng = np.random.default_rng(seed)
    per = thresholds(est, n)
    cols = []
    for ts in per:
        if ts:
            lo, hi = min(ts), max(ts)
            pad = 0.1 * (hi - lo) + 0.1 * max(abs(lo), abs(hi)) + 1e-3
            cols.append(rng.uniform(lo - pad, hi + pad, count))
        else:
            cols.append(rng.uniform(-1, 1, count))
    return np.stack(cols, axis=1).astype(np.float32)


def thresholds(est: Any, n: int) -> list[list[float]]:
    """Each feature's split thresholds, read from the fitted trees (empty when unknown)."""
    per: list[list[float]] = [[] for _ in range(n)]

    def add(f: int, t: float) -> None:
        if 0 <= f < n and math.isfinite(t):
            per[f].append(float(t))

    fw = framework_of(est)
    if fw == "sklearn":
        stack = [est]
        while stack:
            o = stack.pop()
            tree = getattr(o, "tree_", None)
            if tree is not None:
                for f, t in zip(tree.feature, tree.threshold, strict=True):
                    add(int(f), float(t))
            for group in getattr(o, "_predictors", None) or []:  # HistGradientBoosting
                for p in group:
                    for node in p.nodes[~p.nodes["is_leaf"].astype(bool)]:
                        add(int(node["feature_idx"]), float(node["num_threshold"]))
            subs = getattr(o, "estimators_", None)
            if subs is not None:
                stack.extend(np.ravel(np.asarray(subs, dtype=object)))
    elif fw == "lightgbm":
        def walk_lgb(node: dict[str, Any]) -> None:
            if "split_feature" in node:
                add(int(node["split_feature"]), float(node["threshold"]))
                walk_lgb(node["left_child"])
                walk_lgb(node["right_child"])

        for tree in est.booster_.dump_model()["tree_info"]:
            walk_lgb(tree["tree_structure"])
    elif fw == "xgboost":
        booster = est.get_booster()
        index = {name: i for i, name in enumerate(booster.feature_names or [])}

        def walk_xgb(node: dict[str, Any]) -> None:
            if "split" in node:
                name = str(node["split"])
                f = index.get(name, int(name[1:]) if name[1:].isdigit() else -1)
                add(f, float(node["split_condition"]))
                for child in node.get("children", []):
                    walk_xgb(child)

        for dump in booster.get_dump(dump_format="json"):
            walk_xgb(json.loads(dump))
    return per


def _n_features(est: Any) -> int | None:
    n = getattr(est, "n_features_in_", None)
    return int(n) if n is not None else None


def _shape(shapes: Sequence[tuple[int, ...]], n: int | None, what: str) -> tuple[int, ...]:
    if len(shapes) > 1:
        raise UsageError(f"--input-shape given {len(shapes)} times: a {what} takes one input")
    if not shapes:
        if n is None:
            raise UsageError(f"the {what} does not say how many features it takes "
                             f"(n_features_in_): give --input-shape 1,N")
        return (1, n)
    shape = tuple(shapes[0])
    if len(shape) != 2:
        raise UsageError(f"--input-shape {','.join(map(str, shape))}: an estimator takes rows "
                         f"of features, shape ROWS,FEATURES (e.g. 1,{n or 4})")
    if n is not None and shape[-1] != n:
        raise UsageError(f"--input-shape {','.join(map(str, shape))}: the {what} was fitted on "
                         f"{n} features")
    return shape


def _require_hummingbird() -> None:
    require("torch", "onnx", "onnxruntime", "sklearn", "hummingbird", "onnxconverter_common")
