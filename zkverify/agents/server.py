"""`zkverify mcp`: the agent tools over the Model Context Protocol (the official ``mcp`` SDK).

Each tool runs the blocking work (ezkl, HTTP to the node) in a worker thread; a ZkVerifyError
becomes an MCP tool error (``is_error``) with the error's one-line message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from ..__about__ import __version__
from ..errors import ZkVerifyError
from .tools import Agent, one_line

T = TypeVar("T")

INSTRUCTIONS = """\
zkverify proves that a machine-learning model produced an output (a zero-knowledge proof made
with ezkl) and verifies such proofs locally. Call list_circuits to see the models available,
infer to run one on an input and get outputs that carry a verdict, verify to check a proof
bundle someone handed you. Trust an output only when its verdict says "valid": true."""

LIST_DOC = """\
List the circuits (proven models) this server can run or verify against.

Returns {"local": [...], "node": {...}}. Each local circuit has: name, circuit_id (sha256 of its
card: pins the exact model, settings, verifying key and SRS), inputs and outputs (each with its
name, dtype and shape; each output with its prediction_rule: "argmax" for class scores, whose
prediction is the index of the largest value, "values" for the values themselves), visibility,
weights_bound, srs (provenance of the setup:
"ceremony" is the public KZG ceremony, "local-dev" was generated locally and is not secure),
and can_prove (false: the directory holds only public files, it can verify but not prove).
"node" (when a node is configured) lists the node's circuits (id, name, shapes) and whether
infer may prove there. "registry" (when an on-chain registry is configured) lists its published
circuits by circuit_id with the URLs of the nodes serving each."""

INFER_DOC = """\
Run a verified inference: prove the model's output on the input, then verify the proof locally.

The proof is made locally when the circuit is a local directory that can prove, otherwise by
the configured node, or (with a registry) by the circuit's registered nodes, trying the next
one when a node fails or returns a bundle that does not verify (forged_nodes names those).
Either way the proof bundle is then verified here, against public files
this server trusts (the local circuit directory, or the files fetched from the node by circuit
id), and the bundle is written to disk.

Returns the verdict: valid (bool), reason, and when valid the proven outputs and inputs (one list
of values per tensor, named by output_names/input_names), by_output (by output name: the class
index for "argmax" outputs, else the values), prediction (the one output's, or by_output);
also circuit, circuit_id, proof_hash, srs (SRS provenance), weights_bound, warnings, proved_by
("local" or the node URL) and bundle_path. When valid is false, outputs, inputs and prediction
are null: do not use any result from a bundle that did not verify."""

VERIFY_DOC = """\
Verify a zkverify proof bundle against a circuit's public files.

Returns the verdict: valid (bool), reason (why not, naming the field), field, circuit,
circuit_id, proof_hash, srs (SRS provenance), weights_bound and, only when valid, the proven
inputs, outputs and prediction (never the bundle's own claims)."""

CircuitArg = Annotated[str | None, Field(
    description="The circuit's name or circuit_id, as list_circuits shows them. May be omitted "
                "when exactly one circuit is available.")]
InputArg = Annotated[list[Any] | dict[str, Any] | str, Field(
    description="The model input: for a one-input model, a (nested) list of numbers with as "
                "many values as its shape (e.g. [0.1, -0.3, 0.5, 0.2] for shape [1, 4]); for "
                "any model, {\"inputs\": {NAME: [...], ...}} by input name (integer inputs "
                "take whole numbers, boolean inputs true/false), or ezkl's form "
                "{\"input_data\": [[...], ...]} (one list per input, [[]] for none); or the "
                "path of a .json, .npy or .npz file on this machine.")]
VerifyCircuitArg = Annotated[str, Field(
    description="The circuit to verify against: a name or circuit_id from list_circuits, or a "
                "circuit directory on this machine (holding card.json, settings.json, vk.key, "
                "kzg.srs).")]
BundleArg = Annotated[dict[str, Any] | str, Field(
    description="The proof bundle: its JSON (an object, or a string holding it) or the path "
                "of a bundle file on this machine (as written by infer or `zkverify prove`).")]


async def _run(fn: Callable[..., T], *args: Any) -> T:
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except ZkVerifyError as e:
        raise ToolError(one_line(str(e))) from None


def create_server(agent: Agent) -> MCPServer:
    server: MCPServer = MCPServer("zkverify", version=__version__, instructions=INSTRUCTIONS,
                                  log_level="WARNING")

    @server.tool(description=LIST_DOC)
    async def list_circuits() -> dict[str, Any]:
        return await _run(agent.list_circuits)

    @server.tool(description=INFER_DOC)
    async def infer(input: InputArg, circuit: CircuitArg = None) -> dict[str, Any]:  # noqa: A002
        return await _run(agent.infer, input, circuit)

    @server.tool(description=VERIFY_DOC)
    async def verify(circuit: VerifyCircuitArg, bundle: BundleArg) -> dict[str, Any]:
        return await _run(agent.verify, circuit, bundle)

    return server
