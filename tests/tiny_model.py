"""Tiny models for tests: small enough that a circuit proves in a fraction of a second."""

import torch


def tiny_mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


def other_mlp() -> torch.nn.Module:
    """Same shape as tiny_mlp, other weights: its proofs must not pass for tiny_mlp."""
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


class _Skip(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = torch.nn.Linear(4, 3)
        self.b = torch.nn.Linear(3, 3)
        self.c = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.a(x)
        return self.c(self.b(torch.relu(h)) + h)


def tiny_skip() -> torch.nn.Module:
    """A skip connection: a cut right after the ReLU is crossed by two tensors (h and relu(h))."""
    torch.manual_seed(2)
    return _Skip()
