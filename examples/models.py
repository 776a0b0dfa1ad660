"""Example models for zkverify: factories returning untrained modules (weights come from
examples/weights/*.pt, made by examples/train.py in seconds on scikit-learn's bundled data)."""

import torch
from torch import nn


def digits_mlp() -> nn.Module:
    """8x8 digit images (64 pixels scaled to [0, 1]) -> 10 class scores."""
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


class DigitsCNN(nn.Module):
    """One strided conv then a linear layer: 1x8x8 -> 4x3x3 -> 10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3, stride=2)
        self.fc = nn.Linear(4 * 3 * 3, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(x))
        return self.fc(h.reshape(h.shape[0], -1))


def digits_cnn() -> nn.Module:
    return DigitsCNN()


def cancer_mlp() -> nn.Module:
    """Breast cancer (30 standardized features) -> 2 class scores (malignant, benign)."""
    return nn.Sequential(nn.Linear(30, 8), nn.ReLU(), nn.Linear(8, 2))


class Digits28CNN(nn.Module):
    """Three convolutions on 28x28 images (the 8x8 digits upsampled): 1x28x28 -> 4x28x28 ->
    8x14x14 -> 8x7x7 -> 10. Too big for a small circuit (logrows 18 whole): the slicing
    example (benchmarks/sliced.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.c2 = nn.Conv2d(4, 8, kernel_size=3, stride=2, padding=1)
        self.c3 = nn.Conv2d(8, 8, kernel_size=3, stride=2, padding=1)
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.c1(x))
        h = torch.relu(self.c2(h))
        h = torch.relu(self.c3(h))
        return self.fc(h.flatten(1))


def digits28_cnn() -> nn.Module:
    return Digits28CNN()


def digits28_mlp() -> nn.Module:
    """28x28 digits (784 pixels) -> 128 -> 384 -> 128 -> 384 -> 128 -> 10: logrows 18 as one
    circuit, with no layer above a quarter of it and narrow (128-wide) points to cut at, so it
    slices well (each link hashes 128 values)."""
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 384), nn.ReLU(),
                         nn.Linear(384, 128), nn.ReLU(), nn.Linear(128, 384), nn.ReLU(),
                         nn.Linear(384, 128), nn.ReLU(), nn.Linear(128, 10))


def digits28_deep() -> nn.Module:
    """28x28 digits, a deep MLP 784-160-416-(21 x 416)-10: about 2.3 million rows, logrows 22
    as one circuit (tens of GiB to prove, more than this machine has), while no layer needs more
    than logrows 17: the model that proves only sliced (benchmarks/sliced.py --spec
    digits28_deep)."""
    layers: list[nn.Module] = [nn.Linear(784, 160), nn.ReLU(), nn.Linear(160, 416), nn.ReLU()]
    for _ in range(21):
        layers += [nn.Linear(416, 416), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(416, 10))
    for m in model:  # He initialization: torch's default shrinks the signal through 24 layers
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model
