"""The sliced circuit's card and what a verifier of its bundles trusts.

A sliced circuit directory holds one complete circuit directory per slice (``slices/0``,
``slices/1``, …, each with ezkl's file names and its own ``card.json``) and a top-level
``card.json`` of format ``zkverify.sliced-card/1`` that names the whole model, the user's
inputs and outputs, the link mechanism and every slice by its circuit id. The sliced circuit's
id (sha256 of this card's canonical JSON) therefore pins every slice's model, settings, vk and
SRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..card import Card, Provenance, TensorInfo, _tensor, canonical_json, validated
from ..errors import CircuitError
from ..files import read_json, sha256_bytes, write_json_atomic
from ..manifest import CARD, CircuitDir
from ..tensors import Tensor
from ..verdict import CircuitPublic

SLICED_CARD_FORMAT: Literal["zkverify.sliced-card/1"] = "zkverify.sliced-card/1"
SLICES_DIR = "slices"
LINK_HASHED: Literal["hashed"] = "hashed"

__all__ = ["SLICED_CARD_FORMAT", "SliceRef", "SlicedCard", "SlicedPublic", "is_sliced",
           "load_sliced_public", "slice_dir"]


class SliceRef(BaseModel):
    """One slice as the sliced card names it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str  # the slice's circuit id: sha256 of slices/N/card.json's canonical JSON
    inputs: list[str]  # the tensors it takes (the model's, or the previous cut's)
    outputs: list[str]  # the tensors it makes (the next cut's, or the model's)


class SlicedCard(BaseModel):
    """A sliced circuit's public identity (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    format: Literal["zkverify.sliced-card/1"] = SLICED_CARD_FORMAT
    name: str
    ezkl_version: str
    model_sha256: str  # the whole model (network.onnx at the top of the directory)
    link: Literal["hashed"] = LINK_HASHED
    visibility: dict[str, str]  # the model's inputs (first slice), outputs (last slice), params
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    slices: list[SliceRef]

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @property
    def circuit_id(self) -> str:
        return sha256_bytes(self.canonical())

    def input_tensors(self) -> list[Tensor]:
        return [_tensor(t, f"input_{i}") for i, t in enumerate(self.inputs)]

    def output_tensors(self) -> list[Tensor]:
        return [_tensor(t, f"output_{i}") for i, t in enumerate(self.outputs)]

    @property
    def cuts(self) -> list[list[str]]:
        """The tensors crossing each cut (slice i's outputs are slice i+1's inputs)."""
        return [list(s.outputs) for s in self.slices[:-1]]

    @classmethod
    def load(cls, path: str | Path) -> SlicedCard:
        data = read_json(Path(path), "sliced circuit card", CircuitError)
        if not isinstance(data, dict) or data.get("format") != SLICED_CARD_FORMAT:
            raise CircuitError(f"{path}: not a sliced circuit card (expected format "
                               f"{SLICED_CARD_FORMAT!r})")
        return validated(cls, data, f"{path}: not a sliced circuit card")

    def save(self, path: str | Path) -> None:
        write_json_atomic(Path(path), self.to_json())


def is_sliced(path: str | Path | CircuitDir) -> bool:
    """Whether the directory's card.json is a sliced circuit's (cheap: reads one field)."""
    p = path.path if isinstance(path, CircuitDir) else Path(path)
    card = p / CARD
    if not card.is_file():
        return False
    try:
        data = read_json(card, "circuit card", CircuitError)
    except CircuitError:
        return False
    return isinstance(data, dict) and data.get("format") == SLICED_CARD_FORMAT


def slice_dir(root: str | Path, index: int) -> Path:
    return Path(root) / SLICES_DIR / str(index)


@dataclass(frozen=True)
class SlicedPublic:
    """What a verifier of sliced bundles trusts: the sliced card and each slice's public files,
    every slice's card checked against the id the sliced card gives it."""

    card: SlicedCard
    slices: list[CircuitPublic]

    def srs_provenance(self) -> Provenance:
        """The weakest of the slices' SRS provenances."""
        kinds = {p.card.srs_provenance() for p in self.slices}
        weakest: Provenance
        for weakest in ("local-dev", "user-supplied"):
            if weakest in kinds:
                return weakest
        return "ceremony"

    @property
    def weights_bound(self) -> bool:
        return all(p.card.weights_bound for p in self.slices)

    @property
    def slice_cards(self) -> list[Card]:
        return [p.card for p in self.slices]


def load_sliced_public(circuit_dir: str | Path | CircuitDir) -> SlicedPublic:
    """The sliced card and every slice's public files (a CircuitError naming the slice if not)."""
    from ..files import sha256_file_cached
    from ..verifying import load_public

    root = circuit_dir.path if isinstance(circuit_dir, CircuitDir) else Path(circuit_dir)
    card = SlicedCard.load(root / CARD)
    model = root / "network.onnx"
    if model.is_file() and sha256_file_cached(model) != card.model_sha256:
        raise CircuitError(f"{model}: does not match model_sha256 in the sliced circuit card (the "
                           "circuit files were modified)")
    publics = []
    for i, ref in enumerate(card.slices):
        d = slice_dir(root, i)
        try:
            pub = load_public(d)
        except CircuitError as e:
            raise CircuitError(f"slice {i}: {e}") from None
        if pub.card.circuit_id != ref.id:
            raise CircuitError(f"{d / CARD}: slice {i} is not the one the sliced card names (its "
                               f"id {pub.card.circuit_id[:12]}… is not {ref.id[:12]}…)")
        publics.append(pub)
    return SlicedPublic(card, publics)
