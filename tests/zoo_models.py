"""The model zoo: small architectures covering the operator families people use and every
input/output kind, each exported the way a user would (zkverify's own torch and estimator
exporters). Shared by tests/test_zoo.py and benchmarks/coverage.py.

Each entry names its operator family, its run args (tiny: scale 7, logrows 10-13) and the
outputs that hold class scores. Weights are seeded, tree models fitted on iris in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from zkverify.exporting import ExportResult, export_module


@dataclass(frozen=True)
class ZooModel:
    name: str
    family: str
    make: Callable[[], Any]  # a torch module or a fitted estimator
    shapes: tuple[tuple[int, ...], ...] = ((1, 4),)
    dtypes: tuple[str, ...] | None = None
    logrows: int = 11
    classifier: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # optional packages (xgboost, lightgbm)
    run_args: dict[str, Any] = field(default_factory=dict)


def seeded(f: Callable[[], nn.Module]) -> Callable[[], nn.Module]:
    def make() -> nn.Module:
        torch.manual_seed(0)
        return f().eval()
    return make


class Lambda(nn.Module):
    def __init__(self, fn: Callable[..., Any], *mods: nn.Module) -> None:
        super().__init__()
        self.fn = fn
        self.mods = nn.ModuleList(mods)

    def forward(self, *xs: torch.Tensor) -> Any:
        return self.fn(self.mods, *xs)


class SelfAttention(nn.Module):
    """One head, written out: q k^T / sqrt(d), softmax, times v."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.scale = 1 / math.sqrt(d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        att = torch.softmax(self.q(x) @ self.k(x).transpose(-2, -1) * self.scale, dim=-1)
        return att @ self.v(x)


class TinyTransformer(nn.Module):
    """Token ids (int64) -> embedding + position -> attention block -> class scores."""

    def __init__(self, vocab: int = 16, seq: int = 6, d: int = 8, classes: int = 3) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, seq, d) * 0.1)
        self.att = SelfAttention(d)
        self.norm = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.head = nn.Linear(d, classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = self.emb(ids) + self.pos
        h = self.norm(h + self.att(h))
        h = h + self.ff(h)
        return self.head(h.mean(dim=1))


class Recurrent(nn.Module):
    def __init__(self, cell: type[nn.Module], features: int = 3, hidden: int = 4) -> None:
        super().__init__()
        self.rnn = cell(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class TwoInTwoOut(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(8, 3)
        self.lin = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.lin(x + self.emb(ids).sum(dim=1))
        return h, h.sum(dim=-1, keepdim=True)


class Masked(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.lin(torch.where(mask, x, torch.zeros_like(x)))


class NoInput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(1, 3))

    def forward(self) -> torch.Tensor:
        return torch.relu(self.w) * 2


def _iris() -> tuple[Any, Any]:
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    return x.astype("float32"), y


def sk_tree_regressor() -> Any:
    from sklearn.tree import DecisionTreeRegressor

    x, _ = _iris()
    return DecisionTreeRegressor(max_depth=3, random_state=0).fit(x[:, 1:], x[:, 0])


def sk_forest() -> Any:
    from sklearn.ensemble import RandomForestClassifier

    x, y = _iris()
    return RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(x, y)


def sk_boosting() -> Any:
    from sklearn.ensemble import GradientBoostingClassifier

    x, y = _iris()
    return GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(x, y == 2)


def xgb_classifier() -> Any:
    import xgboost

    x, y = _iris()
    return xgboost.XGBClassifier(n_estimators=3, max_depth=2, random_state=0).fit(x, y)


def lgbm_regressor() -> Any:
    import lightgbm

    x, _ = _iris()
    return lightgbm.LGBMRegressor(n_estimators=3, num_leaves=4, min_child_samples=5,
                                  verbose=-1).fit(x[:, 1:], x[:, 0])


def _lin(mods: Any, x: torch.Tensor) -> torch.Tensor:
    return mods[0](x)


ZOO: list[ZooModel] = [
    ZooModel("mlp", "linear", seeded(lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(),
                                                            nn.Linear(8, 3))), classifier=("output",)),
    ZooModel("conv2d", "conv", seeded(lambda: nn.Sequential(
        nn.Conv2d(1, 2, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(18, 3))),
        shapes=((1, 1, 7, 7),), classifier=("output",)),
    ZooModel("conv1d", "conv", seeded(lambda: nn.Sequential(
        nn.Conv1d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2))), shapes=((1, 2, 6),)),
    ZooModel("pooling", "pooling", seeded(lambda: nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.MaxPool2d(2), nn.AvgPool2d(3), nn.Flatten())),
        shapes=((1, 1, 6, 6),)),
    ZooModel("batchnorm", "normalization", seeded(lambda: nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten())), shapes=((1, 1, 4, 4),)),
    ZooModel("layernorm", "normalization", seeded(lambda: nn.Sequential(
        nn.Linear(4, 6), nn.LayerNorm(6), nn.Linear(6, 2))), logrows=12),
    ZooModel("activations", "activations", seeded(lambda: nn.Sequential(
        nn.Linear(4, 6), nn.Sigmoid(), nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 4),
        nn.LeakyReLU(0.1))), logrows=12),
    ZooModel("softmax", "activations", seeded(lambda: nn.Sequential(
        nn.Linear(4, 3), nn.Softmax(dim=-1))), logrows=12, classifier=("output",)),
    ZooModel("attention", "attention", seeded(lambda: SelfAttention(4)), shapes=((1, 3, 4),),
             logrows=12),
    ZooModel("gru", "recurrent", seeded(lambda: Recurrent(nn.GRU)), shapes=((1, 3, 3),),
             logrows=12, classifier=("output",)),
    ZooModel("lstm", "recurrent", seeded(lambda: Recurrent(nn.LSTM)), shapes=((1, 3, 3),),
             logrows=12, classifier=("output",)),
    ZooModel("rnn", "recurrent", seeded(lambda: Recurrent(nn.RNN)), shapes=((1, 3, 3),),
             logrows=12),
    ZooModel("embedding", "embeddings/gather", seeded(lambda: Lambda(
        lambda m, ids: m[1](m[0](ids).mean(dim=1)), nn.Embedding(10, 4), nn.Linear(4, 2))),
        shapes=((1, 5),), dtypes=("int64",)),
    ZooModel("transformer", "attention", seeded(lambda: TinyTransformer(8, 4, 4, 3)),
             shapes=((1, 4),), dtypes=("int64",), logrows=12, classifier=("output",)),
    ZooModel("where", "comparisons and where", seeded(lambda: Lambda(
        lambda m, x: torch.where(m[0](x) > 0, m[0](x), 0.25 * m[0](x)).clamp(-1, 1),
        nn.Linear(4, 3)))),
    ZooModel("reductions", "reductions", seeded(lambda: Lambda(
        lambda m, x: torch.cat([m[0](x).sum(-1, keepdim=True), m[0](x).mean(-1, keepdim=True),
                                m[0](x).amax(-1, keepdim=True)], dim=-1), nn.Linear(4, 5)))),
    ZooModel("two_in_two_out", "inputs: float + int64, two outputs", seeded(TwoInTwoOut),
             shapes=((1, 3), (1, 2)), dtypes=("float32", "int64"), classifier=("output_0",)),
    ZooModel("bool_mask", "inputs: bool mask", seeded(Masked), shapes=((1, 4), (1, 4)),
             dtypes=("float32", "bool")),
    ZooModel("no_input", "inputs: none", seeded(NoInput), shapes=(), dtypes=()),
    ZooModel("sk_tree_regressor", "trees (scikit-learn)", sk_tree_regressor, shapes=((1, 3),)),
    ZooModel("sk_forest", "trees (scikit-learn)", sk_forest, classifier=("probabilities",),
             logrows=12),
    ZooModel("sk_boosting", "trees (scikit-learn)", sk_boosting, classifier=("probabilities",),
             logrows=12),
    ZooModel("xgb_classifier", "trees (XGBoost)", xgb_classifier, classifier=("probabilities",),
             logrows=12, needs=("xgboost",)),
    ZooModel("lgbm_regressor", "trees (LightGBM)", lgbm_regressor, shapes=((1, 3),),
             needs=("lightgbm",)),
]
BY_NAME = {m.name: m for m in ZOO}


def export_zoo(m: ZooModel, out_dir: Path) -> ExportResult:
    """Export one zoo model into ``out_dir`` (network.onnx + input.json)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model = m.make()
    if isinstance(model, nn.Module):
        return export_module(model, list(m.shapes), out_dir, input_dtypes=m.dtypes)
    from zkverify.converters import export_estimator

    return export_estimator(model, list(m.shapes), out_dir)


def run_args(m: ZooModel) -> dict[str, Any]:
    """Tiny fixed-point settings, no calibration. The lookup range covers inputs of a
    non-linearity (sigmoid, tanh, exp) up to ±8 at scale 7; ezkl's uncalibrated default
    (±32768) makes a 2^16-row table that takes minutes to set up at logrows 12."""
    return {"input_scale": 7, "param_scale": 7, "decomp_base": 32, "decomp_legs": 4,
            "lookup_range": (-1024, 1024), **m.run_args}


def two_in_two_out() -> nn.Module:
    """A ``file.py:factory`` for the CLI: x float32 [1,3] + ids int64 [1,2] -> two outputs."""
    return seeded(TwoInTwoOut)()
