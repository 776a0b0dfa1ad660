"""Tiny models with every input/output kind ezkl proves: two typed inputs and two outputs, a
boolean mask, no input at all. Exported with torch's classic exporter (opset 18)."""

from __future__ import annotations

from pathlib import Path

import torch


class TwoInTwoOut(torch.nn.Module):
    """x: float32 [1, 3], ids: int64 [1, 2] (an embedding) -> scores [1, 2], total [1, 1]."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.emb = torch.nn.Embedding(8, 3)
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.lin(x + self.emb(ids).sum(dim=1))
        return h, h.sum(dim=-1, keepdim=True)


class Masked(torch.nn.Module):
    """x: float32 [1, 4], mask: bool [1, 4] -> y [1, 2]."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.lin = torch.nn.Linear(4, 2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.lin(x * mask.float())


class NoInput(torch.nn.Module):
    """No input: the output is a function of the weights alone."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.w = torch.nn.Parameter(torch.randn(1, 3))

    def forward(self) -> torch.Tensor:
        return torch.relu(self.w) * 2


def export_all(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / f"{k}.onnx" for k in ("two", "masked", "noin")}
    kw = {"dynamo": False, "opset_version": 18}
    torch.onnx.export(TwoInTwoOut(), (torch.randn(1, 3), torch.tensor([[1, 5]])), str(paths["two"]),
                      input_names=["x", "ids"], output_names=["scores", "total"], **kw)
    torch.onnx.export(Masked(), (torch.randn(1, 4), torch.tensor([[True, False, True, True]])),
                      str(paths["masked"]), input_names=["x", "mask"], output_names=["y"], **kw)
    torch.onnx.export(NoInput(), (), str(paths["noin"]), output_names=["y"], **kw)
    return paths
