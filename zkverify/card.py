"""The circuit card: a circuit's public identity, everything a verifier needs besides ezkl's files.

``card.json`` is written by ``build`` into the circuit directory. It is a pure function of the
circuit (no URLs, no timestamps), so its hash names the circuit: the **circuit id** is the sha256
of the card's canonical JSON. A verifier holding ``card.json``, ``settings.json``, ``vk.key`` and
``kzg.srs`` can check any bundle (``docs/VERDICT.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import CircuitError
from .files import read_json, sha256_bytes, write_json_atomic
from .tensors import Tensor

CARD = "card.json"
CARD_FORMAT: Literal["zkverify.card/2"] = "zkverify.card/2"
# Cards of the first format (one float input, one output, one prediction rule) still load; their
# ids are unchanged, since fields they do not have are left out of the canonical JSON.
CARD_FORMATS = ("zkverify.card/1", "zkverify.card/2")

# The KZG ceremony SRS files ezkl downloads, by logrows: the sha256 values ezkl itself ships in
# src/srs_sha.rs (public data), so "ceremony" can be decided offline from the file's hash alone.
CEREMONY_SRS_SHA256: dict[int, str] = {
    1: "cafb2aa72c200ddc4e28aacabb8066e829207e2484b8d17059a566232f8a297b",
    2: "8194ec51da5d332d2e17283ade34920644774452c2fadf33742e8c739e275d8e",
    3: "0729e815bce2ac4dfad7819982c6479c3b22c32b71f64dca05e8fdd90e8535ef",
    4: "2c0785da20217fcafd3b12cc363a95eb2529037cc8a9bddf8fb15025cbc8cdc9",
    5: "5b950e3b76e7a9923d69f6d6585ce6b5f9458e5ec57a71c9de5005d32d544692",
    6: "85030b2924111fc60acaf4fb8a7bad89531fbe0271aeab0c21e545f71eee273d",
    7: "e65f95150519fe01c2bedf8f832f5249822ef84c9c017307419e10374ff9eeb1",
    8: "446092fd1d6030e5bb2f2a8368267d5ed0fbdb6a766f6c5e4a4841827ad3106f",
    9: "493d088951882ad81af11e08c791a38a37c0ffff14578cf2c7fb9b7bca654d8b",
    10: "9705d450e5dfd06adb673705f7bc34418ec86339203198beceb2ae7f1ffefedb",
    11: "257fa566ed9bc0767d3e63e92b5e966829fa3347d320a32055dc31ee7d33f8a4",
    12: "28b151069f41abc121baa6d2eaa8f9e4c4d8326ddbefee2bd9c0776b80ac6fad",
    13: "d5d94bb25bdc024f649213593027d861042ee807cafd94b49b54f1663f8f267d",
    14: "c09129f064c08ecb07ea3689a2247dcc177de6837e7d2f5f946e30453abbccef",
    15: "90807800a1c3b248a452e1732c45ee5099f38b737356f5542c0584ec9c3ebb45",
    16: "2a1a494630e71bc026dd5c0eab4c1b9a5dbc656228c1f0d48f5dbd3909b161d3",
    17: "41509f380362a8d14401c5ae92073154922fe23e45459ce6f696f58607655db7",
    18: "d0148475717a2ba269784a178cb0ab617bc77f16c58d4a3cbdfe785b591c7034",
    19: "d1a1655b4366a766d1578beb257849a92bf91cb1358c1a2c37ab180c5d3a204d",
    20: "54ef75911da76d7a6b7ea341998aaf66cb06c679c53e0a88a4fe070dd3add963",
    21: "486e044cf98704e07f41137d2b89698dc03d1fbf34d13b60902fea19a6013b4b",
    22: "1ee9b4396db3e4e2516ac5016626ab6ba967f091d5d23afbdb7df122a0bb9d0c",
    23: "748e48b9b6d06f9c82d26bf551d0af43ee2e801e4be56d7ccb20312e267fd1d6",
    24: "f94fa4afa2f5147680f907d4dd96a8826206c26bd3328cd379feaed614b234de",
    25: "dec49a69893fbcd66cd06296b2d936a6aceb431c130b2e52675fe4274b504f57",
    26: "b198a51d48b88181508d8e4ea9dea39db285e4585663b29b7e4ded0c22a94875",
}

Provenance = Literal["ceremony", "local-dev", "user-supplied"]
_M = TypeVar("_M", bound=BaseModel)


class TensorInfo(BaseModel):
    """One graph input or output (card/1 recorded the shape only)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = None
    dtype: str | None = None
    shape: list[int]
    # Outputs only: "argmax" (class scores: argmax over the last axis) or "values".
    prediction: Literal["argmax", "values"] | None = None


class SrsInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    source: Literal["local-dev", "ceremony", "user"]
    logrows: int


class Card(BaseModel):
    """A circuit's public identity (see the module docstring)."""

    # Strict, like the page's reader: "10" is not 10, and a card names its format.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    format: Literal["zkverify.card/1", "zkverify.card/2"] = CARD_FORMAT
    name: str
    ezkl_version: str
    model_sha256: str
    settings_sha256: str
    vk_sha256: str
    srs_sha256: str
    srs: SrsInfo
    visibility: dict[str, str]
    param_hashes: list[str] = []
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    prediction: Literal["argmax", "values"] | None = None  # card/1: one rule for its one output
    batch_size: int | None = None  # a batched circuit: B inferences per proof, axis 0
    # An evaluation circuit (zkverify evaluate): chunk_size, rule, threshold, input_scale.
    evaluation: dict[str, Any] | None = None

    def canonical(self) -> bytes:
        """The bytes the circuit id hashes: sorted keys, no spaces, UTF-8."""
        return canonical_json(self.to_json())

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def input_tensors(self) -> list[Tensor]:
        """The inputs with names and dtypes (a card/1 input is ``input_0``, float32)."""
        return [_tensor(t, f"input_{i}") for i, t in enumerate(self.inputs)]

    def output_tensors(self) -> list[Tensor]:
        return [_tensor(t, f"output_{i}") for i, t in enumerate(self.outputs)]

    def output_rules(self) -> list[str]:
        """Each output's prediction rule: "argmax" only where declared as class scores."""
        return [t.prediction or self.prediction or "values" for t in self.outputs]

    @property
    def circuit_id(self) -> str:
        return sha256_bytes(self.canonical())

    def circuit_ref(self) -> dict[str, str]:
        """What a proof bundle names its circuit by (its ``circuit`` object)."""
        return {"name": self.name, "model_sha256": self.model_sha256,
                "settings_sha256": self.settings_sha256, "vk_sha256": self.vk_sha256}

    @property
    def weights_bound(self) -> bool:
        """Only fixed params (in the vk) and hashed params (checked by hash) pin the weights."""
        return self.visibility.get("param") in ("fixed", "hashed")

    def srs_provenance(self, srs_sha256: str | None = None) -> Provenance:
        """`ceremony` only when the hash is ezkl's published one; never on the card's word."""
        sha = srs_sha256 or self.srs_sha256
        if sha in CEREMONY_SRS_SHA256.values():
            return "ceremony"
        return "local-dev" if self.srs.source == "local-dev" else "user-supplied"

    @classmethod
    def load(cls, path: str | Path) -> Card:
        data = read_json(Path(path), "circuit card", CircuitError)
        if not isinstance(data, dict) or data.get("format") not in CARD_FORMATS:
            got = data.get("format") if isinstance(data, dict) else None
            raise CircuitError(f"{path}: not a zkverify circuit card (format {got!r}, expected "
                               f"{CARD_FORMAT!r})")
        return validated(cls, data, f"{path}: not a zkverify circuit card")

    def save(self, path: str | Path) -> None:
        write_json_atomic(Path(path), self.to_json())


def validated(cls: type[_M], data: Any, what: str) -> _M:
    """``cls`` validated from ``data``, or one CircuitError line naming the first bad field."""
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "<root>"
        raise CircuitError(f"{what} ({loc}: {err['msg']})") from None


def _tensor(t: TensorInfo, default_name: str) -> Tensor:
    return Tensor(t.name or default_name, t.dtype or "float32", tuple(t.shape))


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
