"""JSON Schemas of the network commands' ``--json`` outputs (registered in zkverify.schemas)."""

from __future__ import annotations

from typing import Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, create_model

from .registry import CircuitEntry


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class RegistryDeployOutput(_Out):
    """``zkverify registry deploy --json``."""

    address: str
    gas: int
    deployer: str


class NodeOut(_Out):
    url: str
    owner: str


# ``registry show``: each field of a registry entry, whether it uses the reusable verifier, nodes.
_FIELDS: dict[str, Any] = {name: (tp, ...) for name, tp in get_type_hints(CircuitEntry).items()}
CircuitOut = create_model("CircuitOut", __base__=_Out, reusable=(bool, ...),
                          nodes=(list[NodeOut], ...), **_FIELDS)


class RegistryShowOutput(_Out):
    """``zkverify registry show --json``."""

    registry: str
    circuits: list[CircuitOut]  # type: ignore[valid-type]


class PublishOutput(_Out):
    """``zkverify publish --json``."""

    circuit_id: str
    verifier: str
    registry: str
    name: str
    reusable: bool
    vka_digest: str | None
    deploy_gas: int | None
    register_gas: int | None
    publish_gas: int
    tx_hash: str
    warning: str | None


class AttemptOut(_Out):
    url: str
    outcome: Literal["ok", "failed", "forged", "unhealthy"]
    reason: str
    seconds: float


class SubmittedOut(_Out):
    tx_hash: str
    gas: int


class InferRegistryOutput(_Out):
    """``zkverify infer --registry ... --json``: the verified answer and every node tried."""

    circuit_id: str
    node: str
    prediction: Any
    proof_hash: str
    valid: bool
    forged: list[str]
    attempts: list[AttemptOut]
    public_dir: str
    submitted: SubmittedOut | None
    bundle_path: str | None = None


class AuditedOut(_Out):
    circuit_id: str
    proof_hash: str
    submitter: str
    block: int
    tx_hash: str
    checked: bool
    valid: bool
    reason: str
    prediction: Any
    outputs: list[list[float]] | None


class AuditOutput(_Out):
    """``zkverify audit --json``: exit 0 all valid, 1 any invalid, 3 any unchecked."""

    registry: str
    count: int
    valid: int
    invalid: int
    unchecked: int
    records: list[AuditedOut]


MODELS: dict[str, type[BaseModel]] = {
    "registry-deploy": RegistryDeployOutput, "registry-show": RegistryShowOutput,
    "publish": PublishOutput, "infer-registry": InferRegistryOutput, "audit": AuditOutput,
}
