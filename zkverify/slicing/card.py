"""The sliced circuit's card and what a verifier of its bundles trusts.

A sliced circuit directory holds one complete circuit directory per slice (``slices/0``,
``slices/1``, …, each with ezkl's file names and its own ``card.json``) and a top-level
``card.json`` of format ``zkverify.sliced-card/1`` that names the whole model, the user's
inputs and outputs, the link mechanism and every slice by its circuit id. The sliced circuit's
id (sha256 of this card's canonical JSON) therefore pins every slice's model, settings, vk and
SRS.

Under ``link: "polycommit"`` each slice also records where its linked commitments sit in its
proof bytes (``input_commitments`` / ``output_commitments``: byte ranges ``[start, end)``, 64
bytes per KZG point): a verifier compares slice i's output range with slice i+1's input range
there, at offsets the card (so the circuit id) fixes, never at offsets a bundle states.
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
from ..verdict import CircuitPublic, settings_visibility

SLICED_CARD_FORMAT: Literal["zkverify.sliced-card/1"] = "zkverify.sliced-card/1"
SLICES_DIR = "slices"
LINK_HASHED: Literal["hashed"] = "hashed"
LINK_POLYCOMMIT: Literal["polycommit"] = "polycommit"
LINKS = (LINK_HASHED, LINK_POLYCOMMIT)
# What `build --slices` links with unless told: polycommit measured clearly better on memory,
# keys, setup and gas (docs/DESIGN.md). A card without a `link` field is hashed (the first format).
DEFAULT_LINK: Literal["polycommit"] = LINK_POLYCOMMIT
Link = Literal["hashed", "polycommit"]
POINT_BYTES = 64  # a G1 point in ezkl's EVM transcript: x and y, 32 bytes each, big-endian

__all__ = ["DEFAULT_LINK", "LINKS", "LINK_HASHED", "LINK_POLYCOMMIT", "POINT_BYTES", "SLICED_CARD_FORMAT",
           "SliceRef", "SlicedCard", "SlicedPublic", "commitments_at", "is_sliced",
           "load_sliced_public", "slice_dir"]


class SliceRef(BaseModel):
    """One slice as the sliced card names it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str  # the slice's circuit id: sha256 of slices/N/card.json's canonical JSON
    inputs: list[str]  # the tensors it takes (the model's, or the previous cut's)
    outputs: list[str]  # the tensors it makes (the next cut's, or the model's)
    # link polycommit only: the byte ranges [start, end) of the KZG commitments to the linked
    # inputs / outputs in this slice's proof bytes (absent for the model's own inputs/outputs).
    input_commitments: list[int] | None = None
    output_commitments: list[int] | None = None


class SlicedCard(BaseModel):
    """A sliced circuit's public identity (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    format: Literal["zkverify.sliced-card/1"] = SLICED_CARD_FORMAT
    name: str
    ezkl_version: str
    model_sha256: str  # the whole model (network.onnx at the top of the directory)
    link: Link = LINK_HASHED
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
        card = validated(cls, data, f"{path}: not a sliced circuit card")
        why = card.commitment_problem()
        if why:
            raise CircuitError(f"{path}: {why}")
        return card

    def commitment_problem(self) -> str | None:
        """Why the commitment ranges cannot be used (None when they can): under polycommit
        each cut has an output range on the slice before and an input range of the same length
        on the slice after, whole points, inputs first in the proof; under hashed none."""
        n = len(self.slices)
        for i, s in enumerate(self.slices):
            want_in = self.link == LINK_POLYCOMMIT and i > 0
            want_out = self.link == LINK_POLYCOMMIT and i < n - 1
            for name, rng, want in (("input", s.input_commitments, want_in),
                                    ("output", s.output_commitments, want_out)):
                if (rng is not None) != want:
                    return (f"slice {i}: {name}_commitments must be "
                            f"{'given' if want else 'absent'} under link {self.link!r}")
                if rng is not None and not (len(rng) == 2 and 0 <= rng[0] < rng[1]
                                            and rng[0] % POINT_BYTES == 0
                                            and rng[1] % POINT_BYTES == 0):
                    return f"slice {i}: {name}_commitments {rng} is not a range of whole points"
            if i > 0 and self.link == LINK_POLYCOMMIT:
                a, b = self.slices[i - 1].output_commitments, s.input_commitments
                assert a is not None and b is not None
                if a[1] - a[0] != b[1] - b[0]:
                    return (f"link {i - 1}: slice {i - 1} commits its outputs in {a[1] - a[0]} "
                            f"bytes, slice {i} its inputs in {b[1] - b[0]}")
                if b[0] != 0:
                    return f"slice {i}: its input commitments come first in its proof (offset 0)"
        return None

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


def commitments_at(proof_bytes: Any, rng: list[int] | None) -> list[str] | None:
    """The KZG points in ``proof_bytes[start:end]`` (hex, 64 bytes each); None if the range is
    not given or the proof is too short. ``rng`` must come from the card, never a bundle."""
    if rng is None or not isinstance(proof_bytes, list | bytes) or len(proof_bytes) < rng[1]:
        return None
    raw = bytes(proof_bytes[rng[0]:rng[1]])
    return [raw[k:k + POINT_BYTES].hex() for k in range(0, len(raw), POINT_BYTES)]


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
            pub = load_public(d, ("kzgcommit",) if card.link == LINK_POLYCOMMIT else ())
        except CircuitError as e:
            raise CircuitError(f"slice {i}: {e}") from None
        if pub.card.circuit_id != ref.id:
            raise CircuitError(f"{d / CARD}: slice {i} is not the one the sliced card names (its "
                               f"id {pub.card.circuit_id[:12]}… is not {ref.id[:12]}…)")
        publics.append(pub)
    want = "kzgcommit" if card.link == LINK_POLYCOMMIT else card.link
    last = len(publics) - 1
    for i, pub in enumerate(publics):  # each cut's tensors under the card's link, both sides
        vis = settings_visibility(pub.settings)
        if (i > 0 and vis["input"] != want) or (i < last and vis["output"] != want):
            raise CircuitError(f"{slice_dir(root, i)}: slice {i} does not take or make the "
                               f"tensors at its cuts as {card.link} (link {card.link!r})")
        outer = [vis["param"]] + [vis["input"]] * (i == 0) + [vis["output"]] * (i == last)
        if "kzgcommit" in outer:  # the model's own tensors: the verdict states them, or not
            raise CircuitError(f"{slice_dir(root, i)}: visibility 'kzgcommit' is supported only "
                               "at the cuts of a polycommit-linked circuit")
    if card.link == LINK_POLYCOMMIT:
        # Commitments compare only under one SRS and one domain: the same logrows everywhere.
        srs = {(p.card.srs_sha256, int(p.settings["run_args"]["logrows"])) for p in publics}
        if len(srs) != 1:
            raise CircuitError(f"{root / CARD}: the slices of a polycommit-linked circuit must "
                               f"share one SRS and logrows (they use {sorted(srs)})")
    return SlicedPublic(card, publics)
