"""Tiny models for tests: small enough that a circuit proves in a fraction of a second."""

import torch


def tiny_mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


def other_mlp() -> torch.nn.Module:
    """Same shape as tiny_mlp, other weights: its proofs must not pass for tiny_mlp."""
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
