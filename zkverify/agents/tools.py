"""What the agent tools do, without the MCP SDK: list circuits, a verified inference, a verdict.

The rule the tools keep: an output leaves only with its verdict. ``infer`` proves (locally, or on
a node with the token), then verifies the bundle locally against public files it trusts (a
configured circuit directory, or the files fetched from the node by circuit id and pinned to it),
and returns the proven outputs only when the verdict is valid. Errors are ZkVerifyErrors with a
one-line message; the server turns them into MCP tool errors. The node token is never returned.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..card import Card
from ..errors import CircuitError, EngineError, InputError, UsageError
from ..files import write_json_atomic
from ..manifest import ProofBundle
from ..verdict import CircuitPublic

ID_RE = re.compile(r"[0-9a-f]{64}")
NODE_FIELDS = ("id", "name", "input_shapes", "output_shapes", "classifier", "visibility", "logrows",
               "ezkl_version")


@dataclass(frozen=True)
class LocalCircuit:
    """A configured circuit directory: its card, and whether it holds what proving needs."""

    path: Path
    card: Card

    @property
    def can_prove(self) -> bool:
        from ..proving import PROVE_FILES

        return all((self.path / name).is_file() for name in PROVE_FILES)

    def info(self) -> dict[str, Any]:
        c = self.card
        return {"source": "local", "name": c.name, "circuit_id": c.circuit_id,
                "directory": str(self.path), "can_prove": self.can_prove,
                "input_shapes": [t.shape for t in c.inputs],
                "output_shapes": [t.shape for t in c.outputs],
                "inputs": [{"name": t.name, "dtype": t.dtype, "shape": list(t.shape)}
                           for t in c.input_tensors()],
                "outputs": [{"name": t.name, "dtype": t.dtype, "shape": list(t.shape),
                             "prediction_rule": r}
                            for t, r in zip(c.output_tensors(), c.output_rules(), strict=True)],
                "prediction_rule": c.output_rules()[0] if len(c.outputs) == 1 else "per output",
                "visibility": c.visibility,
                "weights_bound": c.weights_bound, "srs": c.srs_provenance(),
                "srs_logrows": c.srs.logrows}


@dataclass
class Agent:
    """The tools' configuration and state (loaded provers, fetched circuits)."""

    circuits: list[LocalCircuit]
    node: str | None
    token: str | None = field(repr=False)  # never returned, never in a message
    bundles_dir: Path
    fetch_dir: Path
    registry: Any = field(default=None, repr=False)  # zkverify.network.registry.Registry
    _provers: dict[Path, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(cls, circuit_dirs: list[Path], node: str | None, token: str | None,
               bundles_dir: Path, fetch_dir: Path, registry: Any = None) -> Agent:
        """Load and check every circuit directory now: a bad one is a usage error at start."""
        from ..verifying import load_public

        loaded = []
        for d in circuit_dirs:
            public = load_public(d)
            loaded.append(LocalCircuit(Path(d).resolve(), public.card))
        names = [c.card.name for c in loaded]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise UsageError(f"two circuit directories are both named {dup[0]!r}")
        if node is not None and not node.rstrip("/").startswith(("http://", "https://")):
            raise UsageError(f"--node {node}: not an http(s) URL")
        return cls(loaded, node.rstrip("/") if node else None, token, bundles_dir, fetch_dir,
                   registry)

    # --- list_circuits ---------------------------------------------------------------------

    def list_circuits(self) -> dict[str, Any]:
        out: dict[str, Any] = {"local": [c.info() for c in self.circuits]}
        if self.node is not None:
            from ..client import list_circuits
            from ..errors import ZkVerifyError

            node: dict[str, Any] = {"url": self.node_label(), "can_prove": self.token is not None}
            try:
                node["circuits"] = [{k: c.get(k) for k in NODE_FIELDS} for c in list_circuits(self.node)
                                    if isinstance(c, dict)]
            except ZkVerifyError as e:  # the local circuits are still worth listing
                node["error"] = one_line(str(e))
            out["node"] = node
        if self.registry is not None:
            out["registry"] = self._registry_listing()
        return out

    def _registry_listing(self) -> dict[str, Any]:
        from ..errors import ZkVerifyError

        reg = self.registry
        listing: dict[str, Any] = {"address": reg.address, "can_prove": self.token is not None}
        try:
            listing["circuits"] = [
                {"circuit_id": cid, "reusable_verifier": entry.reusable, "verifier": entry.verifier,
                 "nodes": [n.url for n in reg.nodes(cid)]}
                for cid in reg.circuit_ids() for entry in [reg.require_circuit(cid)]]
        except ZkVerifyError as e:
            listing["error"] = one_line(str(e))
        return listing

    def node_label(self) -> str | None:
        """The node URL without any user:password part."""
        if self.node is None:
            return None
        u = urlsplit(self.node)
        return urlunsplit(u._replace(netloc=u.hostname + (f":{u.port}" if u.port else "")
                                     if u.hostname else u.netloc))

    # --- resolving a circuit ---------------------------------------------------------------

    def local(self, ref: str | None) -> LocalCircuit | None:
        if ref is None:
            return self.circuits[0] if len(self.circuits) == 1 and self.node is None else None
        for c in self.circuits:
            if ref in (c.card.name, c.card.circuit_id):
                return c
        return None

    def node_circuit_id(self, ref: str | None) -> str:
        """The id of ``ref`` (a name or id) on the node."""
        from ..client import list_circuits

        assert self.node is not None
        if ref is not None and ID_RE.fullmatch(ref):
            return ref
        listed = [c for c in list_circuits(self.node) if isinstance(c, dict)]
        if ref is None:
            if len(listed) == 1 and not self.circuits:
                return str(listed[0].get("id"))
            raise UsageError(f"several circuits are available ({self._names(listed)}); "
                             f"pass `circuit` (a name or id from list_circuits)")
        for c in listed:
            if ref in (c.get("name"), c.get("id"), c.get("circuit_id")):
                return str(c.get("circuit_id") or c.get("id"))
        raise CircuitError(f"unknown circuit {ref!r} (available: {self._names(listed)})")

    def _names(self, listed: list[dict[str, Any]] | None = None) -> str:
        names = [c.card.name for c in self.circuits] + [str(c.get("name")) for c in listed or []]
        return ", ".join(names) or "none"

    def unknown(self, ref: str | None) -> CircuitError | UsageError:
        if ref is None:
            return UsageError(f"several circuits are available ({self._names()}); pass `circuit` "
                              f"(a name or id from list_circuits)")
        return CircuitError(f"unknown circuit {ref!r} (available: {self._names()}; no --node "
                            f"configured)")

    def trusted(self, circuit_id: str) -> CircuitPublic:
        """Public files for ``circuit_id``: a configured directory, else fetched from the node."""
        from ..fetch import fetch
        from ..verifying import load_public

        for c in self.circuits:
            if c.card.circuit_id == circuit_id:
                return load_public(c.path)
        if self.node is None and self.registry is not None:
            from ..network.failover import public_files

            entry = self.registry.require_circuit(circuit_id)
            urls = [n.url for n in self.registry.nodes(circuit_id)]
            return load_public(public_files(entry, urls, self.fetch_dir / "registry"))
        if self.node is None:
            raise CircuitError(f"circuit {circuit_id[:16]}… is not configured (no --node to fetch "
                               f"it from)")
        where = self.fetch_dir / circuit_id
        with self._lock:
            if not (where / "card.json").is_file():
                fetch(self.node, circuit_id, where)
        # Trusting the directory costs nothing: load_public hashes the files against the card,
        # and every verdict pins the id (the card must hash to it), so whoever can write the
        # directory can make verification fail but never make it say valid.
        return load_public(where)

    # --- infer -----------------------------------------------------------------------------

    def infer(self, input_data: Any, circuit: str | None) -> dict[str, Any]:
        from ..inputs import load_input_file

        if isinstance(input_data, str):
            data: Any = load_input_file(Path(input_data).expanduser())
            where = input_data
        else:
            data, where = input_data, "input"
        from ..inputs import Named

        if isinstance(data, Named):  # an .npz: by input name, as JSON a node also takes
            data = {"inputs": {k: v.tolist() for k, v in data.items()}}
        elif hasattr(data, "tolist"):
            data = data.tolist()
        local = self.local(circuit)
        if local is not None and local.can_prove:
            raw, proved_by = self._prove_local(local, data, where), "local"
            circuit_id = local.card.circuit_id
        elif self.registry is not None and self.node is None:
            return self._infer_registry(data, local.card.circuit_id if local else circuit)
        elif self.node is not None:
            circuit_id = local.card.circuit_id if local is not None else self.node_circuit_id(circuit)
            raw, proved_by = self._prove_node(circuit_id, data), str(self.node_label())
        elif local is not None:
            raise CircuitError(f"circuit {local.card.name!r} at {local.path} holds only public "
                               f"files (no pk.key): it can verify, not prove; configure --node "
                               f"to prove on a node")
        else:
            raise self.unknown(circuit)
        public = self.trusted(circuit_id)
        self.bundles_dir.mkdir(parents=True, exist_ok=True)
        path = self.bundles_dir / f"{ProofBundle.from_obj(raw).proof_hash()[:16]}.proof.json"
        write_json_atomic(path, raw)
        # The verdict is on the bytes as received and written, not on a re-serialized model.
        result = self._verdict(public, raw, circuit_id)
        result.update(proved_by=proved_by, bundle_path=str(path))
        return result

    def _infer_registry(self, data: Any, circuit: str | None) -> dict[str, Any]:
        """On the registry's nodes, with failover; the bundle verified locally before it counts."""
        from ..network.failover import infer as infer_failover
        from ..verifying import load_public

        if circuit is None or not ID_RE.fullmatch(circuit):
            raise UsageError("with a registry, pass `circuit`: a circuit id from list_circuits")
        if self.token is None:
            raise UsageError("proving on the registry's nodes needs a token: start the server with "
                             "--token-file FILE or ZKVERIFY_TOKEN set")
        result = infer_failover(self.registry, circuit, data, self.token,
                                cache=self.fetch_dir / "registry")
        self.bundles_dir.mkdir(parents=True, exist_ok=True)
        path = self.bundles_dir / f"{result.proof_hash[:16]}.proof.json"
        write_json_atomic(path, result.bundle)
        out = self._verdict(load_public(result.public_dir), result.bundle, circuit)
        out.update(proved_by=result.node, bundle_path=str(path), forged_nodes=result.forged)
        return out

    def _prove_local(self, c: LocalCircuit, data: Any, where: str) -> dict[str, Any]:
        from ..proving import Prover

        with self._lock:
            prover = self._provers.get(c.path)
            if prover is None:
                prover = self._provers[c.path] = Prover(c.path)
        values = prover.coerce(data, where)
        try:
            bundle: ProofBundle = prover.prove_values(values)
        except EngineError as e:
            if "gen_witness" not in str(e):
                raise
            raise InputError(f"{where}: the circuit cannot compute this input (values far "
                             f"outside the calibration data overflow its fixed-point range)") from None
        return bundle.model_dump(mode="json")

    def _prove_node(self, circuit_id: str, data: Any) -> dict[str, Any]:
        from ..client import infer_remote

        if self.token is None:
            raise UsageError("proving on the node needs its token: start the server with "
                             "--token-file FILE or ZKVERIFY_TOKEN set")
        result = infer_remote(str(self.node), circuit_id, data, self.token)  # checks its form
        bundle: dict[str, Any] = result["bundle"]
        return bundle

    # --- verify ----------------------------------------------------------------------------

    def verify(self, circuit: str, bundle: Any) -> dict[str, Any]:
        from ..errors import BundleError
        from ..verifying import bundle_data, load_public

        if isinstance(bundle, str) and bundle.lstrip().startswith("{"):
            try:
                raw = json.loads(bundle)
            except ValueError as e:
                raise BundleError(f"bundle: not valid JSON ({e})") from None
        elif isinstance(bundle, str):
            raw = bundle_data(Path(bundle).expanduser())
        else:
            raw = bundle
        pinned: str | None = None
        local = self.local(circuit)
        if local is not None:
            public, pinned = load_public(local.path), local.card.circuit_id
        elif Path(circuit).expanduser().is_dir():
            public = load_public(Path(circuit).expanduser())  # the caller's choice of files
        elif self.node is not None:
            pinned = self.node_circuit_id(circuit)
            public = self.trusted(pinned)
        elif self.registry is not None and ID_RE.fullmatch(circuit):
            pinned = circuit
            public = self.trusted(pinned)
        else:
            raise self.unknown(circuit)
        return self._verdict(public, raw, pinned)

    def _verdict(self, public: CircuitPublic, raw: Any, circuit_id: str | None) -> dict[str, Any]:
        from ..verifying import verify_bundle

        verdict = verify_bundle(public, raw, circuit_id=circuit_id)
        result = verdict.to_dict()
        if not verdict:  # belt and braces: nothing a failed proof claims leaves this function
            result.update(inputs=None, outputs=None, prediction=None, input_hashes=None,
                          output_hashes=None)
        elif result.get("srs") == "local-dev":
            result["warnings"] = [*result.get("warnings", []),
                                  "the circuit's SRS was generated locally: whoever generated it "
                                  "could forge proofs (use a KZG ceremony SRS for real use)"]
        return result


def default_fetch_dir() -> Path:
    from ..cache import cache_root

    return cache_root() / "mcp-fetched"


def one_line(message: str) -> str:
    return " ".join(str(message).split())
