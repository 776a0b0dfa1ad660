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
