"""JSON Schemas of every file zkverify reads or writes and of every ``--json`` output.

The files (manifest, proof bundle, spec) are the pydantic models the code validates with; the
``--json`` outputs are described by the models below, which the tests check real output
against. ``scripts/gen_schemas.py`` writes them to ``docs/schemas/`` (a test keeps those
up to date). Output models allow extra keys: a newer zkverify may add fields, never remove one.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .card import Card
from .manifest import Manifest, ProofBundle
from .network.schemas import MODELS as NETWORK_MODELS

SCHEMA_VERSION = "https://json-schema.org/draft/2020-12/schema"


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorOutput(BaseModel):
    """Any command under ``--json`` that fails: the only thing on stdout."""

    model_config = ConfigDict(extra="forbid")
    error: str
    exit_code: int


class ExportOutput(_Out):
    """``zkverify export --json``."""

    onnx: str
    input: str
    framework: str  # torch, sklearn, xgboost or lightgbm
    input_shape: list[int]  # the first input's
    output_shape: list[int]  # the first output's
    inputs: list[dict[str, Any]]  # name, dtype, shape of each graph input
    outputs: list[dict[str, Any]]  # name, shape of each graph output
    classifier_outputs: list[str]  # outputs holding class scores (an estimator's probabilities)
    reference: str  # what the graph was checked against: torch, predict_proba or predict
    max_abs_diff: float
    checked_samples: int


class BuildOutput(_Out):
    """``zkverify build --json``: the circuit directory and its manifest."""

    circuit_dir: str
    warnings: list[str]
    manifest: Manifest


class ProveOutput(_Out):
    """``zkverify prove --json`` for one input."""

    bundle: str
    circuit: str
    prediction: Any
    outputs: list[list[Any]] | None  # one list per output tensor (int/bool tensors keep type)
    proof_hash: str
    prove_seconds: float
    predictions: list[Any] | None = None  # a batched circuit: one per real input
    batch: dict[str, int] | None = None


class BatchFailure(BaseModel):
    index: int
    error: str | None


class BatchSummary(_Out):
    """``summary.json`` in a batch's output directory, and ``zkverify prove --json`` on a batch."""

    circuit: str
    inputs: str
    out_dir: str
    count: int
    ok: int
    skipped: int
    failed: int
    not_run: int
    interrupted: bool
    seconds: float
    proofs_per_minute: float
    mean_prove_seconds: float | None
    backend: str
    workers: int
    failures: list[BatchFailure]
    prove_seconds_vs_estimate: float | None = None
    batch_size: int | None = None  # a batched circuit: `count` proofs of up to B inputs each


class VerifyOutput(_Out):
    """``zkverify verify --json`` (local or ``--url``): the verdict (docs/VERDICT.md).

    Only proven values: ``inputs``, ``outputs`` and ``prediction`` are decoded from the proof's
    instances and are null when the bundle is invalid.
    """

    model_config = ConfigDict(extra="forbid")

    valid: bool
    reason: str | None = None
    field: str | None = None
    circuit: str | None = None
    circuit_id: str | None = None
    proof_hash: str | None = None
    inputs: list[list[Any]] | None = None  # one list per input tensor, in ONNX order
    outputs: list[list[Any]] | None = None
    prediction: Any = None  # the one output's prediction, or `by_output` for several outputs
    by_output: dict[str, Any] | None = None  # by output name: argmax (class scores) or values
    input_names: list[str] = []
    output_names: list[str] = []
    format: str | None = None  # the bundle's format (zkverify.proof-bundle/1 or /2)
    predictions: list[Any] | None = None  # one per real input (batched: padding never counts)
    batch: dict[str, int] | None = None  # a batched bundle: {"size": B, "real": N}
    # An evaluation bundle (zkverify evaluate): the proven accuracy and the data set it holds on.
    accuracy: float | None = None
    correct: int | None = None
    total: int | None = None
    dataset_sha256: str | None = None
    input_hashes: list[str] | None = None
    output_hashes: list[str] | None = None
    srs: Literal["ceremony", "local-dev", "user-supplied"] | None = None
    srs_sha256: str | None = None
    weights_bound: bool | None = None
    checked_by: str | None = None
    policy: str | None = None
    seconds: float | None = None
    warnings: list[str] = []
    produced_here: bool | None = None  # verify --url: the node made this proof itself


class EvmVerifyOutput(VerifyOutput):
    """``zkverify evm verify --json``: the same verdict, with the EVM call's figures."""

    gas: int | None = None
    gas_per_inference: int | None = None  # a batched bundle: gas / its real inputs
    deploy_gas: int | None = None
    backend: str | None = None
    address: str | None = None
    runtime_size: int | None = None
    code_checked: bool | None = None
    code_reason: str | None = None


class EstimateOutput(_Out):
    """``zkverify estimate --json``: predicted cost before any key setup."""

    logrows: int
    num_rows: int
    public_instances: int
    pk_bytes: float
    setup_seconds: float
    prove_seconds: float
    peak_memory_bytes: float
    verify_gas: int
    machine: str
    extrapolated: bool = False
    run_args: dict[str, Any]
    max_logrows: int | None


class EvmExportOutput(_Out):
    """``zkverify evm export --json``."""

    out_dir: str
    files: dict[str, str]
    runtime_size: int
    bytecode_size: int
    eip170_limit: int
    deployable_on_mainnet: bool
    warning: str | None


class EvmCalldataOutput(_Out):
    """``zkverify evm calldata --json``."""

    calldata: str
    selector: str
    function: str
    instances: list[str]
    size: int


class CacheKind(_Out):
    count: int
    bytes: int
    path: str
    what: str


class CacheInfoOutput(_Out):
    """``zkverify cache info --json``."""

    cache_dir: str
    exists: bool
    kinds: dict[str, CacheKind]
    total_bytes: int
    total_count: int


class CacheEntry(_Out):
    kind: str
    name: str
    path: str
    bytes: int
    last_used: str


class CachePruneOutput(_Out):
    """``zkverify cache prune --json``: what was (or with --dry-run would be) removed."""

    cache_dir: str
    dry_run: bool
    removed: list[CacheEntry]
    freed_bytes: int
    kept: int


class DoctorCheck(_Out):
    name: str
    version: str | None
    ok: bool
    core: bool
    needed_for: str
    install: str | None
    path: str | None


class DoctorOutput(_Out):
    """``zkverify doctor --json``; ``ok`` false (exit 1) when the core is not usable."""

    ok: bool
    checks: list[DoctorCheck]
    cache: dict[str, Any]
    srs: list[dict[str, Any]]
    missing: list[dict[str, Any]]


def _spec_model() -> type[BaseModel]:
    from .spec import _Spec

    return _Spec


def models() -> dict[str, type[BaseModel]]:
    """Schema file stem -> model, for every documented format and output."""
    return {
        "manifest": Manifest, "proof-bundle": ProofBundle, "spec": _spec_model(),
        "batch-summary": BatchSummary, "error": ErrorOutput, "export": ExportOutput,
        "build": BuildOutput, "prove": ProveOutput, "verify": VerifyOutput,
        "evm-verify": EvmVerifyOutput, "card": Card,
        "estimate": EstimateOutput, "evm-export": EvmExportOutput,
        "evm-calldata": EvmCalldataOutput, "cache-info": CacheInfoOutput,
        "cache-prune": CachePruneOutput, "doctor": DoctorOutput,
        **NETWORK_MODELS,
    }


def schema(name: str) -> dict[str, Any]:
    model = models()[name]
    out = {"$schema": SCHEMA_VERSION, **model.model_json_schema()}
    if name == "spec":
        out["title"] = "CircuitSpec"  # the TOML spec, as the JSON it parses to
    return out


def render(name: str) -> str:
    return json.dumps(schema(name), indent=2, sort_keys=True) + "\n"
