"""Train the example models on scikit-learn's bundled data sets (offline, seconds).

Writes examples/weights/{name}.pt, and under examples/data/: {name}_calibration.npy (inputs the
circuit is calibrated on), {name}_test.npy and {name}_test_labels.npy (held out), and
{name}_input.json (one held-out input to prove). Deterministic: same seed, same files.

    python examples/train.py
"""

from __future__ import annotations

import json
from pathlib import Path

import models
import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split

HERE = Path(__file__).parent
CALIBRATION = 32


def data(name: str) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    if name.startswith("digits28"):  # the 8x8 digits upsampled to 28x28 (models too big for
        d = load_digits()             # one small circuit: the slicing examples)
        small = torch.tensor((d.data / 16.0).astype(np.float32)).reshape(-1, 1, 8, 8)
        x = torch.nn.functional.interpolate(small, size=(28, 28), mode="bilinear",
                                            align_corners=False).reshape(len(small), -1).numpy()
        return x, d.target, (1, 1, 28, 28) if name == "digits28_cnn" else (1, 784)
    if name.startswith("digits"):
        d = load_digits()
        x = (d.data / 16.0).astype(np.float32)
        shape = (1, 1, 8, 8) if name == "digits_cnn" else (1, 64)
        return x, d.target, shape
    d = load_breast_cancer()
    return d.data.astype(np.float32), d.target, (1, 30)


def train(name: str, epochs: int = 300, lr: float = 0.01) -> dict[str, float]:
    torch.manual_seed(0)
    x, y, shape = data(name)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    if name == "cancer_mlp":  # standardize with training statistics; inputs are standardized
        mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
        xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    model = getattr(models, name)()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt = torch.tensor(xtr).reshape(-1, *shape[1:])
    yt = torch.tensor(ytr, dtype=torch.long)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.tensor(xte).reshape(-1, *shape[1:])).argmax(1).numpy() == yte).mean())
    torch.save(model.state_dict(), HERE / "weights" / f"{name}.pt")
    np.save(HERE / "data" / f"{name}_calibration.npy", xtr[:CALIBRATION].reshape(-1, *shape[1:]))
    np.save(HERE / "data" / f"{name}_test.npy", xte.reshape(-1, *shape[1:]))
    np.save(HERE / "data" / f"{name}_test_labels.npy", yte)
    (HERE / "data" / f"{name}_input.json").write_text(
        json.dumps({"input_data": [xte[0].reshape(-1).tolist()]}) + "\n")
    return {"float_test_accuracy": acc, "train": len(xtr), "test": len(xte)}


def main() -> None:
    (HERE / "weights").mkdir(exist_ok=True)
    (HERE / "data").mkdir(exist_ok=True)
    for name in ("digits_mlp", "digits_cnn", "cancer_mlp"):
        print(name, train(name))
    print("digits28_cnn", train("digits28_cnn", epochs=60))
    print("digits28_mlp", train("digits28_mlp", epochs=100))
    print("digits28_deep", train("digits28_deep", epochs=60, lr=3e-4))


if __name__ == "__main__":
    main()
