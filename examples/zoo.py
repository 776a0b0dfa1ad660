"""The models people actually have, as examples: trees on tabular data, a GRU over sequences, a
tiny transformer over token ids, a two-input model. Each trains in seconds on data that ships
with scikit-learn (offline) and has a spec under circuits/.

* ``iris_forest`` / ``cancer_boosting``: a random forest on iris and gradient-boosted trees on
  breast cancer (scikit-learn); the factories fit them on the training split when called
  (milliseconds, deterministic), and zkverify converts them with hummingbird.
* ``digits_gru``: each 8x8 digit read row by row, a sequence of 8 steps of 8 pixels, by a GRU.
* ``digits_transformer``: each digit pooled to 4x4, its 16 intensities (0..16) as int64 token
  ids; embedding + position, one attention block, class scores.
* ``iris_two_input``: sepal and petal measurements as two inputs, one tower each, merged.

    python examples/zoo.py       # trains the torch ones: examples/weights/, examples/data/
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).parent
SEED = 0
CALIBRATION = 32


# --- data: scikit-learn's bundled sets, one fixed split -------------------------------------


def split(name: str) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray], np.ndarray]:
    """(train inputs, train labels, test inputs, test labels); inputs are one array per model
    input, batch axis first, in the shape the model takes."""
    from sklearn.datasets import load_breast_cancer, load_digits, load_iris
    from sklearn.model_selection import train_test_split

    if name.startswith("iris"):
        x, y = load_iris(return_X_y=True)
    elif name.startswith("cancer"):
        x, y = load_breast_cancer(return_X_y=True)
    else:
        x, y = load_digits(return_X_y=True)
    x = x.astype(np.float32)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=SEED, stratify=y)
    return _inputs(name, xtr), ytr, _inputs(name, xte), yte


def _inputs(name: str, x: np.ndarray) -> list[np.ndarray]:
    if name == "digits_gru":
        return [(x / 16.0).reshape(-1, 8, 8)]
    if name == "digits_transformer":  # 2x2 average pooling -> 16 tokens with ids 0..16
        pooled = x.reshape(-1, 4, 2, 4, 2).mean(axis=(2, 4))
        return [np.rint(pooled).astype(np.int64).reshape(-1, 16)]
    if name == "iris_two_input":
        return [x[:, :2], x[:, 2:]]
    return [x]


# --- trees: fitted when the factory is called ----------------------------------------------


def iris_forest() -> Any:
    from sklearn.ensemble import RandomForestClassifier

    (x,), y, _, _ = split("iris_forest")
    return RandomForestClassifier(n_estimators=10, max_depth=4, random_state=SEED).fit(x, y)


def cancer_boosting() -> Any:
    from sklearn.ensemble import GradientBoostingClassifier

    (x,), y, _, _ = split("cancer_boosting")
    return GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=SEED).fit(x, y)


# --- torch models ---------------------------------------------------------------------------


class DigitsGRU(nn.Module):
    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.gru = nn.GRU(8, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.gru(x)
        return self.head(out[:, -1])


class DigitsTransformer(nn.Module):
    def __init__(self, vocab: int = 17, seq: int = 16, d: int = 8) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(1, seq, d))
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.head = nn.Linear(d, 10)
        self.scale = 1 / math.sqrt(d)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = self.emb(ids) + self.pos
        att = torch.softmax(self.q(h) @ self.k(h).transpose(-2, -1) * self.scale, dim=-1)
        h = self.norm(h + att @ self.v(h))
        h = h + self.ff(h)
        return self.head(h.mean(dim=1))


class IrisTwoInput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.sepal_net = nn.Sequential(nn.Linear(2, 8), nn.ReLU())
        self.petal_net = nn.Sequential(nn.Linear(2, 8), nn.ReLU())
        self.head = nn.Linear(16, 3)

    def forward(self, sepal: torch.Tensor, petal: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.sepal_net(sepal), self.petal_net(petal)], dim=-1))


def digits_gru() -> nn.Module:
    return DigitsGRU()


def digits_transformer() -> nn.Module:
    return DigitsTransformer()


def iris_two_input() -> nn.Module:
    return IrisTwoInput()


TORCH = {"digits_gru": (digits_gru, 40), "digits_transformer": (digits_transformer, 60),
         "iris_two_input": (iris_two_input, 300)}
TREES = {"iris_forest": iris_forest, "cancer_boosting": cancer_boosting}


def train(name: str) -> float:
    """Train a torch example (full-batch Adam), save its weights; the held-out accuracy."""
    factory, epochs = TORCH[name]
    torch.manual_seed(SEED)
    model = factory()
    xtr, ytr, xte, yte = split(name)
    xs, yt = [torch.from_numpy(a) for a in xtr], torch.from_numpy(ytr).long()
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(epochs):
        for i in range(0, len(yt), 128):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(*[a[i:i + 128] for a in xs]), yt[i:i + 128])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(*[torch.from_numpy(a) for a in xte]).argmax(-1).numpy() == yte).mean())
    torch.save(model.state_dict(), HERE / "weights" / f"{name}.pt")
    return acc


def save_data(name: str, input_names: list[str]) -> None:
    """{name}_calibration.npz / _test.npz (arrays by input name, batch first),
    _test_labels.npy, and _input.json (one held-out input, named)."""
    xtr, _, xte, yte = split(name)
    data = HERE / "data"
    np.savez(data / f"{name}_calibration.npz",
             **{n: a[:CALIBRATION] for n, a in zip(input_names, xtr, strict=True)})
    np.savez(data / f"{name}_test.npz", **dict(zip(input_names, xte, strict=True)))
    np.save(data / f"{name}_test_labels.npy", yte)
    (data / f"{name}_input.json").write_text(json.dumps(
        {"inputs": {n: a[0].tolist() for n, a in zip(input_names, xte, strict=True)}}) + "\n")


INPUT_NAMES = {"digits_gru": ["input"], "digits_transformer": ["input"],
               "iris_two_input": ["sepal", "petal"], "iris_forest": ["input"],
               "cancer_boosting": ["input"]}


def main() -> None:
    for name in TORCH:
        print(f"{name}: float test accuracy {train(name):.4f}")
    for name in (*TORCH, *TREES):
        save_data(name, INPUT_NAMES[name])


if __name__ == "__main__":
    main()
