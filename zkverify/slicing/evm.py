"""A sliced circuit on an EVM: each slice's ezkl verifier plus one ``SlicedVerifier`` contract
that verifies every slice of a bundle in a single call and checks the links.

``verifySlices(bytes[] proofs, uint256[][] instances)`` calls slice i's verifier with its proof
and instances, in slice order, then requires slice i's last M_i instances (its output hashes,
last in ezkl's layout) to equal slice i+1's first M_i (its input hashes, first in the layout),
M_i being the number of tensors crossing cut i. Under ``link: polycommit`` the links are KZG
commitments inside the proof bytes instead: the contract requires the bytes of slice i's proof
at its output-commitment range to equal the bytes of slice i+1's proof at its input-commitment
range, both ranges baked in as constants from the sliced card at export (so pinned by the
circuit id, never read from the calldata). Any failure reverts: a revert is ``invalid``.
The verifier addresses are fixed at deployment (immutables), so a deployed SlicedVerifier
speaks for one sliced circuit only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import CircuitError, EvmError
from ..evm import (
    _DEPLOYER,
    _GAS_RE,
    CALL_GAS,
    DEPLOY_GAS,
    EIP170_LIMIT,
    PYREVM_SPEC,
    VERIFY_SIGNATURE,
    EvmResult,
    Verifier,
    _one_line,
    _returned_true,
    encode_call,
    export_verifier,
    load_verifier,
)
from ..files import write_bytes_atomic, write_json_atomic
from ..manifest import CircuitDir
from ..solc import Contract, compile_sources
from ..verdict import CircuitPublic, felt_int
from .card import LINK_POLYCOMMIT, SlicedCard, SlicedPublic, slice_dir

CONTRACT = "SlicedVerifier"
SIGNATURE = "verifySlices(bytes[],uint256[][])"

__all__ = ["CONTRACT", "SIGNATURE", "SlicedEvmCheck", "export_sliced", "load_sliced_verifiers",
           "sliced_source"]


def sliced_source(card: SlicedCard) -> str:
    """The Solidity of the aggregating contract for this sliced circuit."""
    n = len(card.slices)
    links = [len(c) for c in card.cuts]
    immut = "\n".join(f"    address public immutable verifier{i};" for i in range(n))
    assign = " ".join(f"verifier{i} = v[{i}];" for i in range(n))
    calls = "\n".join(
        f"        require(IHalo2Verifier(verifier{i}).verifyProof(proofs[{i}], instances[{i}]), "
        f"\"slice {i}\");" for i in range(n))
    if card.link == LINK_POLYCOMMIT:
        checks = "\n".join(
            f"        _linkCommitments(proofs[{i}], {a[0]}, proofs[{i + 1}], {b[0]}, {a[1] - a[0]});"
            for i, (a, b) in enumerate(_ranges(card)))
        how = "KZG commitments (polycommit) inside the proofs"
        helper = _LINK_COMMITMENTS
    else:
        checks = "\n".join(f"        _link(instances[{i}], instances[{i + 1}], {m});"
                           for i, m in enumerate(links))
        how = "Poseidon hashes"
        helper = _LINK_HASHES
    return f"""// SPDX-License-Identifier: MIT
// Written by zkverify for the sliced circuit {card.circuit_id}
// ({card.name}: {n} slices linked by {how} of the tensors crossing each cut).
pragma solidity ^0.8.20;

interface IHalo2Verifier {{
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external returns (bool);
}}

contract {CONTRACT} {{
    uint256 public constant SLICES = {n};
{immut}

    constructor(address[{n}] memory v) {{
        {assign}
    }}

    /// Every slice's proof, in slice order, and every link between consecutive slices.
    function verifySlices(bytes[] calldata proofs, uint256[][] calldata instances)
        external returns (bool)
    {{
        require(proofs.length == SLICES && instances.length == SLICES, "slice count");
{calls}
{checks}
        return true;
    }}

{helper}
}}
"""


_LINK_HASHES = """\
    /// Slice i's output hashes (the last m instances) are slice i+1's input hashes (the first m).
    function _link(uint256[] calldata a, uint256[] calldata b, uint256 m) private pure {
        require(a.length >= m && b.length >= m, "link");
        for (uint256 j = 0; j < m; j++) {
            require(a[a.length - m + j] == b[j], "link");
        }
    }"""

_LINK_COMMITMENTS = """\
    /// The n bytes of proof a at offset i (slice i's output commitments) are the n bytes of
    /// proof b at offset j (slice i+1's input commitments); offsets fixed at export.
    function _linkCommitments(bytes calldata a, uint256 i, bytes calldata b, uint256 j,
                              uint256 n) private pure {
        require(a.length >= i + n && b.length >= j + n, "link");
        require(keccak256(a[i:i + n]) == keccak256(b[j:j + n]), "link");
    }"""


def _ranges(card: SlicedCard) -> list[tuple[list[int], list[int]]]:
    """Per cut: slice i's output-commitment range and slice i+1's input-commitment range."""
    out = []
    for a, b in zip(card.slices, card.slices[1:], strict=False):
        if a.output_commitments is None or b.input_commitments is None:
            raise CircuitError(f"sliced circuit {card.name!r}: a polycommit link without "
                               "commitment ranges in its card")
        out.append((list(a.output_commitments), list(b.input_commitments)))
    return out


@dataclass(frozen=True)
class SlicedVerifiers:
    card: SlicedCard
    slices: list[Verifier]
    aggregator: Contract
    source: str


def load_sliced_verifiers(root: Path) -> SlicedVerifiers:
    card = SlicedCard.load(root / "card.json")
    verifiers = [load_verifier(CircuitDir(slice_dir(root, i))) for i in range(len(card.slices))]
    source = sliced_source(card)
    contracts = compile_sources({f"{CONTRACT}.sol": source})
    if CONTRACT not in contracts:
        raise EvmError(f"{CONTRACT}.sol has no contract {CONTRACT}")
    return SlicedVerifiers(card, verifiers, contracts[CONTRACT], source)


def export_sliced(root: Path, out_dir: Path) -> dict[str, Any]:
    """Each slice's verifier under ``slice-N/`` and the aggregating contract beside them."""
    card = SlicedCard.load(root / "card.json")
    out_dir = Path(out_dir)
    results = [export_verifier(CircuitDir(slice_dir(root, i)), out_dir / f"slice-{i}")
               for i in range(len(card.slices))]
    v = load_sliced_verifiers(root)
    c = v.aggregator
    files = {"source": out_dir / f"{CONTRACT}.sol", "abi": out_dir / f"{CONTRACT}.abi.json",
             "bytecode": out_dir / f"{CONTRACT}.bin", "summary": out_dir / "sliced-verifier.json"}
    summary = {
        "contract": CONTRACT, "function": SIGNATURE, "selector": "0x" + c.selector(SIGNATURE).hex(),
        "constructor": f"constructor(address[{len(card.slices)}] verifiers)",
        "circuit_id": card.circuit_id, "link": card.link, "links": [len(x) for x in card.cuts],
        **({"commitment_ranges": [{"output": a, "input": b} for a, b in _ranges(card)]}
           if card.link == LINK_POLYCOMMIT else {}),
        "runtime_size": c.runtime_size, "eip170_limit": EIP170_LIMIT,
        "slices": [{"dir": str(r.out_dir), "runtime_size": r.runtime_size,
                    "deployable_on_mainnet": r.deployable_on_mainnet} for r in results],
    }
    try:
        write_bytes_atomic(files["source"], v.source.encode())
        write_json_atomic(files["abi"], c.abi)
        write_bytes_atomic(files["bytecode"], ("0x" + c.bytecode.hex() + "\n").encode())
        write_json_atomic(files["summary"], summary)
    except OSError as e:
        raise CircuitError(f"{out_dir}: cannot write the verifier: {e.strerror or e}") from None
    warnings = [r.warning for r in results if r.warning]
    return {"out_dir": str(out_dir), "files": {k: str(p) for k, p in files.items()},
            "bytecode_size": len(c.bytecode), "eip170_limit": EIP170_LIMIT,
            "deployable_on_mainnet": all(r.deployable_on_mainnet for r in results)
            and c.runtime_size <= EIP170_LIMIT, "warning": "; ".join(warnings) or None,
            "slices": [{k: str(p) for k, p in r.files.items()} for r in results],
            "runtime_size": c.runtime_size, "slice_runtime_sizes": [r.runtime_size for r in results],
            "warnings": warnings}


def encode_slices(selector: bytes, proofs: list[bytes], instances: list[list[int]]) -> bytes:
    """ABI-encode ``f(bytes[], uint256[][])``."""
    def word(v: int) -> bytes:
        return v.to_bytes(32, "big")

    def dyn_array(items: list[bytes]) -> bytes:
        offsets, body = [], b""
        for item in items:
            offsets.append(32 * len(items) + len(body))
            body += item
        return word(len(items)) + b"".join(map(word, offsets)) + body

    enc_p = dyn_array([word(len(p)) + p + b"\0" * (-len(p) % 32) for p in proofs])
    enc_i = dyn_array([word(len(row)) + b"".join(map(word, row)) for row in instances])
    return selector + word(64) + word(64 + len(enc_p)) + enc_p + enc_i


@dataclass
class SlicedEvmCheck:
    """The proof check for a sliced bundle on the in-process EVM (pyrevm).

    ``all_slices`` deploys every slice verifier and the SlicedVerifier and makes the one
    ``verifySlices`` call (its gas is the figure ``evm verify`` reports); calling the check on
    one slice verifies that slice alone, which the verdict uses to name a failing slice.
    """

    verifiers: SlicedVerifiers
    public: SlicedPublic
    calls: list[EvmResult] = field(default_factory=list)

    def __call__(self, proof: dict[str, Any], public: CircuitPublic) -> tuple[bool, str]:
        i = next(k for k, p in enumerate(self.public.slices) if p is public)
        v = self.verifiers.slices[i]
        data = encode_call(v.contract.selector(VERIFY_SIGNATURE), bytes(proof["proof"]),
                           _instances(proof))
        evm = _evm([v.runtime_size])
        addr = evm.deploy(_DEPLOYER, v.contract.bytecode, gas=DEPLOY_GAS)
        try:
            out = evm.message_call(_DEPLOYER, addr, data, gas=CALL_GAS)
        except RuntimeError as e:
            return False, f"slice {i}'s verifier reverted: {revert_reason(e)}"
        return _returned_true(out), "" if _returned_true(out) else "verifier returned false"

    def all_slices(self, items: list[tuple[dict[str, Any], CircuitPublic]]) -> tuple[bool, str]:
        agg = self.verifiers.aggregator
        sizes = [v.runtime_size for v in self.verifiers.slices] + [agg.runtime_size]
        evm = _evm(sizes)
        try:
            addrs = [evm.deploy(_DEPLOYER, v.contract.bytecode, gas=DEPLOY_GAS)
                     for v in self.verifiers.slices]
            args = b"".join(int(a, 16).to_bytes(32, "big") for a in addrs)
            address = evm.deploy(_DEPLOYER, agg.bytecode + args, gas=DEPLOY_GAS)
        except RuntimeError as e:
            raise EvmError(f"in-process EVM refused a deployment: {_one_line(e)}") from None
        deploy_gas = evm.result.gas_used if evm.result else None
        data = encode_slices(agg.selector(SIGNATURE), [bytes(p["proof"]) for p, _ in items],
                             [_instances(p) for p, _ in items])
        warnings = [w for v in self.verifiers.slices if (w := v.size_warning())]
        base = EvmResult(valid=False, gas=None, backend="pyrevm", deploy_gas=deploy_gas,
                         address=address, runtime_size=agg.runtime_size, warnings=warnings,
                         code_checked=True)
        try:
            out = evm.message_call(_DEPLOYER, address, data, gas=CALL_GAS)
        except RuntimeError as e:
            m = _GAS_RE.search(str(e))
            self.calls.append(replace(base, gas=int(m.group(1)) if m else None,
                                      reason=f"SlicedVerifier reverted: {revert_reason(e)}"))
            return False, self.calls[-1].reason
        gas = evm.result.gas_used if evm.result else None
        ok = _returned_true(out)
        self.calls.append(replace(base, valid=ok, gas=gas,
                                  reason="" if ok else "SlicedVerifier returned false"))
        return ok, self.calls[-1].reason


_REVERT_OUTPUT = re.compile(r"output: 0x([0-9a-fA-F]*)")


def revert_reason(e: BaseException) -> str:
    """The Error(string) a contract reverted with (e.g. "link", "slice 1"), else pyrevm's line."""
    m = _REVERT_OUTPUT.search(str(e))
    data = bytes.fromhex(m.group(1)) if m else b""
    if data[:4] == bytes.fromhex("08c379a0") and len(data) >= 68:
        n = int.from_bytes(data[36:68], "big")
        return repr(data[68:68 + n].decode("utf-8", "replace"))
    return _one_line(e)


def _instances(proof: dict[str, Any]) -> list[int]:
    return [felt_int(f) for col in proof["instances"] for f in col]


def _evm(runtime_sizes: list[int]) -> Any:
    """A fresh pyrevm EVM; the EIP-170 limit lifted when some contract is over it."""
    import pyrevm

    biggest = max(runtime_sizes)
    limit = biggest if biggest > EIP170_LIMIT else None
    env = pyrevm.Env(cfg=pyrevm.CfgEnv(limit_contract_code_size=limit)) if limit else None
    evm = pyrevm.EVM(env=env, spec_id=PYREVM_SPEC)
    evm.set_balance(_DEPLOYER, 10**24)
    return evm
