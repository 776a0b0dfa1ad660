"""The two artifacts zkverify defines: the circuit directory (with its manifest) and the proof bundle."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .__about__ import __version__
from .card import Card
from .errors import BundleError, CircuitError
from .files import read_json, sha256_file, write_json_atomic

BUNDLE_FORMAT: Literal["zkverify.proof-bundle/2"] = "zkverify.proof-bundle/2"
BUNDLE_FORMAT_V1: Literal["zkverify.proof-bundle/1"] = "zkverify.proof-bundle/1"
MANIFEST_FORMAT: Literal["zkverify.circuit/1"] = "zkverify.circuit/1"

# ezkl's own default names, so a circuit directory still works with ezkl alone.
ONNX, SETTINGS, COMPILED, PK, VK, SRS = (
    "network.onnx",
    "settings.json",
    "model.compiled",
    "pk.key",
    "vk.key",
    "kzg.srs",
)
INPUT, MANIFEST, CARD = "input.json", "manifest.json", "card.json"
HASHED_ARTIFACTS = (ONNX, SETTINGS, COMPILED, VK, PK, SRS)


def utcnow() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Manifest(BaseModel):
    """Provenance of a circuit directory: what made each file, and how faithful the circuit is."""

    model_config = ConfigDict(extra="allow")

    format: Literal["zkverify.circuit/1"] = MANIFEST_FORMAT
    name: str
    created_at: str = Field(default_factory=utcnow)
    zkverify_version: str = __version__
    ezkl_version: str
    source: dict[str, Any] = {}
    run_args: dict[str, Any] = {}
    visibility: dict[str, str] = {}
    logrows: int
    num_rows: int | None = None
    input_shapes: list[list[int]] = []
    output_shapes: list[list[int]] = []
    classifier: bool = False  # some output holds class scores (which: classifier_outputs)
    classifier_outputs: list[str] = []
    inputs: list[dict[str, Any]] = []  # [{name, dtype, shape}] in ONNX order
    outputs: list[dict[str, Any]] = []
    batch_size: int | None = None  # B inferences per proof (build --batch-size)
    evaluation: dict[str, Any] | None = None  # zkverify evaluate: chunk size, rule, input scale
    artifacts: dict[str, str] = {}
    srs: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    calibration: dict[str, Any] = {}
    quantization: dict[str, Any] = {}
    timings: dict[str, float] = {}
    estimate: dict[str, Any] = {}


class CircuitDir:
    """A directory of circuit artifacts produced by ``zkverify build``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"CircuitDir({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    onnx = property(lambda self: self.file(ONNX))
    settings = property(lambda self: self.file(SETTINGS))
    compiled = property(lambda self: self.file(COMPILED))
    pk = property(lambda self: self.file(PK))
    vk = property(lambda self: self.file(VK))
    srs = property(lambda self: self.file(SRS))
    input = property(lambda self: self.file(INPUT))
    manifest_path = property(lambda self: self.file(MANIFEST))
    card = property(lambda self: self.file(CARD))

    def require(self, *names: str) -> None:
        """Raise a CircuitError naming the first missing file."""
        if not self.path.is_dir():
            raise CircuitError(f"{self.path}: not a circuit directory (run `zkverify build` first)")
        for name in names:
            if not self.file(name).is_file():
                raise CircuitError(f"{self.file(name)}: missing (the circuit directory is incomplete)")

    def load_manifest(self) -> Manifest:
        self.require(MANIFEST)
        data = read_json(self.manifest_path, "circuit manifest", CircuitError)
        try:
            return Manifest.model_validate(data)
        except ValidationError as e:
            raise CircuitError(f"{self.manifest_path}: not a zkverify manifest ({_first(e)})") from None

    def save_manifest(self, manifest: Manifest) -> None:
        write_json_atomic(self.manifest_path, manifest.model_dump(mode="json"))

    def settings_json(self) -> dict[str, Any]:
        self.require(SETTINGS)
        data = read_json(self.settings, "ezkl settings file", CircuitError)
        if not isinstance(data, dict) or "run_args" not in data:
            raise CircuitError(f"{self.settings}: not an ezkl settings file (no run_args)")
        return data

    def hashes(self) -> dict[str, str]:
        """The identity a proof bundle names: model, settings and verifying key."""
        m = self.load_manifest()
        try:
            return {
                "name": m.name,
                "model_sha256": m.artifacts[ONNX],
                "settings_sha256": m.artifacts[SETTINGS],
                "vk_sha256": m.artifacts[VK],
            }
        except KeyError as e:
            raise CircuitError(f"{self.manifest_path}: no hash recorded for {e.args[0]}") from None

    def load_card(self) -> Card:
        """The circuit's card (its public identity), a CircuitError naming the file if absent."""
        if not self.card.is_file():
            raise CircuitError(f"{self.card}: missing (a circuit built before zkverify wrote "
                               "cards, or not a circuit directory: rebuild it with `zkverify build`)")
        self.refuse_sliced()
        return Card.load(self.card)

    def refuse_sliced(self) -> None:
        """One clear line where a sliced circuit is not supported (batch, serve, the page)."""
        try:
            sliced = json.loads(self.card.read_text()).get("format") == "zkverify.sliced-card/1"
        except (OSError, ValueError, AttributeError):
            return
        if sliced:
            raise CircuitError(f"{self.path}: a sliced circuit; only build, prove, verify, inspect "
                               "and evm export/verify support sliced circuits so far")

    def check_integrity(self) -> Card:
        """The card, after checking settings.json, vk.key and kzg.srs still hash to it.

        The one integrity check (verify, evm verify, serve): the SRS is part of the circuit's
        identity, since whoever knows an SRS's secret can forge proofs. Hashes are remembered by
        file identity (``sha256_file_cached``): a node verifying many bundles re-hashes a file
        only when it changes.
        """
        from .verdict import check_files

        card = self.load_card()
        self.require(SETTINGS, VK, SRS)
        check_files(card, {"settings_sha256": self.settings, "vk_sha256": self.vk,
                           "srs_sha256": self.srs})
        return card

    def hash_artifacts(self, names: tuple[str, ...] = HASHED_ARTIFACTS) -> dict[str, str]:
        return {n: sha256_file(self.file(n)) for n in names if self.file(n).is_file()}


class CircuitRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    model_sha256: str
    settings_sha256: str
    vk_sha256: str


class CircuitRefV2(CircuitRef):
    id: str  # the circuit id: sha256 of the card's canonical JSON


class TensorClaim(BaseModel):
    """One graph tensor as a bundle states it (zkverify.claims says how each field is checked)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    dtype: str
    shape: list[int]
    values: list[Any] | None = None
    hash: str | None = None


class OutputClaim(TensorClaim):
    prediction: Any = None  # class scores only: the argmax over the last axis


class BatchInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: int  # B: rows in the proof
    real: int  # the first `real` rows are inputs; the rest pad with copies of the first


class _Bundle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2) + "\n"

    def save(self, path: str | Path) -> None:
        write_json_atomic(Path(path), self.model_dump(mode="json"))

    def proof_hash(self) -> str:
        """The canonical proof hash (zkverify.verdict.canonical_proof_hash): proof bytes and
        instances only, so the prover's free-form fields (timestamp, pretty_public_inputs) and
        hex case cannot change a bundle's identity."""
        from .verdict import canonical_proof_hash

        proof = getattr(self, "proof")  # noqa: B009 - both formats have one
        try:
            return canonical_proof_hash(proof)
        except (KeyError, TypeError, ValueError):
            raise BundleError("proof: not ezkl's proof object (no proof bytes and instances)") from None

    @classmethod
    def load(cls, path: str | Path) -> ProofBundle | ProofBundleV1:
        data = read_json(Path(path), "proof bundle", BundleError)
        return cls.from_obj(data, str(path))

    @classmethod
    def from_obj(cls, data: Any, where: str = "proof bundle") -> ProofBundle | ProofBundleV1:
        """A bundle of either format (what the verdict then checks) or a one-line BundleError."""
        if not isinstance(data, dict):
            raise BundleError(f"{where}: not a proof bundle (expected a JSON object)")
        kinds: dict[Any, type[ProofBundle] | type[ProofBundleV1]] = {
            BUNDLE_FORMAT: ProofBundle, BUNDLE_FORMAT_V1: ProofBundleV1}
        kind = kinds.get(data.get("format"))
        if kind is None:
            raise BundleError(
                f"{where}: not a zkverify proof bundle (format {data.get('format')!r}, "
                f"expected {BUNDLE_FORMAT!r})"
            )
        try:
            return kind.model_validate(data)
        except ValidationError as e:
            raise BundleError(f"{where}: malformed proof bundle ({_first(e)})") from None


class ProofBundle(_Bundle):
    """One proof of one inference: named tensors, their proven values, and the ezkl proof."""

    format: Literal["zkverify.proof-bundle/2"] = BUNDLE_FORMAT
    kind: Literal["single", "batched"] = "single"
    zkverify_version: str = __version__
    ezkl_version: str
    circuit: CircuitRefV2
    batch: BatchInfo | None = None
    inputs: list[TensorClaim]
    outputs: list[OutputClaim]
    visibility: dict[str, str] = {}
    created_at: str = Field(default_factory=utcnow)
    proof: dict[str, Any]

    @property
    def prediction(self) -> Any:
        """The one output's prediction (argmax, else its values), or all of them by name."""
        per = {o.name: (o.values if o.prediction is None else o.prediction) for o in self.outputs}
        if all(v is None for v in per.values()):
            return None
        return next(iter(per.values())) if len(per) == 1 else per

    @property
    def predictions(self) -> list[Any] | None:
        """One entry per real input (a batched bundle's padding never counts), as the verdict
        reports them (zkverify.verdict.row_predictions): read from the claims, not checked."""
        b = self.batch.size if self.batch else 1
        real = self.batch.real if self.batch else 1
        if any(o.values is None for o in self.outputs):
            return None
        out = []
        for r in range(real):
            per = {}
            for o in self.outputs:
                vals = list(o.values or [])
                n = len(vals) // b
                if o.prediction is None:
                    per[o.name] = vals[r * n:(r + 1) * n]
                elif isinstance(o.prediction, list):
                    k = len(o.prediction) // b
                    part = o.prediction[r * k:(r + 1) * k]
                    per[o.name] = part[0] if k == 1 else part
                else:
                    per[o.name] = o.prediction
            out.append(next(iter(per.values())) if len(per) == 1 else per)
        return out

    @property
    def output_values(self) -> list[list[Any]] | None:
        if any(o.values is None for o in self.outputs):
            return None
        return [list(o.values or []) for o in self.outputs]

    @property
    def input_values(self) -> list[list[Any]] | None:
        if any(i.values is None for i in self.inputs):
            return None
        return [list(i.values or []) for i in self.inputs]


class ProofBundleV1(_Bundle):
    """The first format (one float input, one output, one prediction): still read and verified."""

    format: Literal["zkverify.proof-bundle/1"] = BUNDLE_FORMAT_V1
    zkverify_version: str = __version__
    ezkl_version: str
    circuit: CircuitRef
    inputs: list[list[float]] | None = None
    outputs: list[list[float]] | None = None
    prediction: Any = None
    visibility: dict[str, str] = {}
    created_at: str = Field(default_factory=utcnow)
    proof: dict[str, Any]

    @property
    def output_values(self) -> list[list[Any]] | None:
        return self.outputs

    @property
    def input_values(self) -> list[list[Any]] | None:
        return self.inputs


def _first(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err["loc"]) or "<root>"
    return f"{loc}: {err['msg']}"


class SlicedCircuitRef(BaseModel):
    """How a sliced bundle names its circuit: the sliced card's id and the whole model's hash."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    id: str
    model_sha256: str


class LinkClaim(BaseModel):
    """The link across one cut: the crossing tensors and their Poseidon hashes, in order."""

    model_config = ConfigDict(extra="forbid")

    tensors: list[str]
    hashes: list[str]


class CommitmentLinkClaim(BaseModel):
    """The link across one cut under ``link: polycommit``: the crossing tensors and the KZG
    commitment points to them (64 bytes each, hex, as in both slices' proof bytes)."""

    model_config = ConfigDict(extra="forbid")

    tensors: list[str]
    commitments: list[str]


class SliceProof(BaseModel):
    """One slice's ezkl proof, named by the slice's circuit id."""

    model_config = ConfigDict(extra="forbid")

    circuit_id: str
    proof: dict[str, Any]


class SlicedBundle(_Bundle):
    """One inference of a sliced circuit: the model's tensors, the links, a proof per slice.

    Read with :meth:`SlicedBundle.load` (``ProofBundle.load`` reads single bundles only).
    """

    format: Literal["zkverify.proof-bundle/2"] = BUNDLE_FORMAT
    kind: Literal["sliced"] = "sliced"
    zkverify_version: str = __version__
    ezkl_version: str
    circuit: SlicedCircuitRef
    inputs: list[TensorClaim]
    outputs: list[OutputClaim]
    visibility: dict[str, str] = {}
    created_at: str = Field(default_factory=utcnow)
    links: list[LinkClaim | CommitmentLinkClaim]
    slices: list[SliceProof]

    # The model's tensors are stated as in a single bundle: the same readings apply.
    prediction = property(ProofBundle.__dict__["prediction"].fget)
    output_values = property(ProofBundle.__dict__["output_values"].fget)
    input_values = property(ProofBundle.__dict__["input_values"].fget)

    def proof_hash(self) -> str:
        """sha256 over the slices' canonical proof hashes, in slice order."""
        from .verdict import sliced_proof_hash

        try:
            return sliced_proof_hash([s.proof for s in self.slices])
        except (KeyError, TypeError, ValueError):
            raise BundleError("slices: not ezkl's proof objects (no proof bytes and instances)") from None

    @classmethod
    def load(cls, path: str | Path) -> SlicedBundle:  # type: ignore[override]
        data = read_json(Path(path), "proof bundle", BundleError)
        if not isinstance(data, dict) or data.get("kind") != "sliced":
            raise BundleError(f"{path}: not a sliced proof bundle (kind "
                              f"{data.get('kind') if isinstance(data, dict) else None!r})")
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise BundleError(f"{path}: malformed proof bundle ({_first(e)})") from None
