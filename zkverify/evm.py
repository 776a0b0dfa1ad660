"""On-chain verification: the Solidity verifier, its calldata, and a deploy+call on an EVM.

The verifier source comes from ezkl (through ``engine``); it is compiled by solcjs
(``zkverify.solc``, cached by source hash), deployed and called either in an in-process EVM
(pyrevm, milliseconds) or on a node over JSON-RPC (``zkverify.chain``). The verifier reverts
on an invalid proof rather than returning false: a revert counts as "invalid".
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import engine
from .errors import BundleError, CircuitError, EngineError, EvmError
from .files import sha256_bytes, sha256_file, write_bytes_atomic, write_json_atomic
from .manifest import SETTINGS, SRS, VK, CircuitDir, ProofBundle, ProofBundleV1
from .solc import (
    EVM_VERSION,
    OPTIMIZER_RUNS,
    Contract,
    compile_sources,
    find_node_tool,
    solc_version,
)

VERIFIER_CONTRACT = "Halo2Verifier"
VERIFY_SIGNATURE = "verifyProof(bytes,uint256[])"
EIP170_LIMIT = 24_576  # bytes of runtime code a mainnet contract may have (EIP-170)
DEPLOY_GAS = 30_000_000
CALL_GAS = 30_000_000
PYREVM_SPEC = "CANCUN"  # matches solc's evmVersion, so gas figures describe the same rules
_DEPLOYER = "0x" + "5a" * 20
_HOME_LOCK = threading.Lock()


@dataclass(frozen=True)
class Verifier:
    """The Solidity verifier of one circuit, compiled."""

    source: str
    contract: Contract

    @property
    def runtime_size(self) -> int:
        return self.contract.runtime_size

    @property
    def deployable_on_mainnet(self) -> bool:
        return self.runtime_size <= EIP170_LIMIT

    def size_warning(self) -> str | None:
        if self.deployable_on_mainnet:
            return None
        return (
            f"verifier runtime is {self.runtime_size:,} bytes, over the {EIP170_LIMIT:,}-byte "
            "EIP-170 limit: it cannot be deployed on Ethereum mainnet as is (use a chain without "
            "the limit, or shrink the circuit: fewer public values, smaller logrows)"
        )


@dataclass(frozen=True)
class EvmResult:
    """The verdict of one on-chain ``verifyProof`` call."""

    valid: bool
    gas: int | None
    backend: str
    reason: str = ""
    deploy_gas: int | None = None
    address: str | None = None
    runtime_size: int | None = None
    warnings: list[str] = field(default_factory=list)
    # Whether the code that answered is this circuit's verifier (its runtime code compared
    # byte for byte); False means the answer says nothing about this circuit.
    code_checked: bool = False
    code_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "code_checked": self.code_checked,
            "code_reason": self.code_reason,
            "gas": self.gas,
            "backend": self.backend,
            "reason": self.reason,
            "deploy_gas": self.deploy_gas,
            "address": self.address,
            "runtime_size": self.runtime_size,
            "warnings": self.warnings,
        }


# Proxy variables pointing at a closed local port: should ezkl's svm try to download solc
# (it does when the network is up), the attempt fails at once and nothing is fetched.
_NO_NETWORK = {name: "http://127.0.0.1:9" for name in
               ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                "all_proxy")}


@contextmanager
def _private_home(path: Path) -> Iterator[None]:
    """Point $HOME at ``path`` for one ezkl call, so its svm lookup never touches the real home.

    ezkl's create_evm_verifier writes the .sol, then looks for ``$HOME/.svm/0.8.20/solc-0.8.20``
    and tries to download it (creating ``$HOME/.svm``). The lock keeps concurrent callers (the
    HTTP service) from seeing each other's environment.
    """
    overrides = {"HOME": str(path), **_NO_NETWORK, "NO_PROXY": "", "no_proxy": ""}
    with _HOME_LOCK:
        saved = {k: os.environ.get(k) for k in overrides}
        path.mkdir(parents=True, exist_ok=True)
        os.environ.update(overrides)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def verifier_source(circuit_dir: CircuitDir) -> str:
    """The Solidity source of the circuit's verifier, written by ezkl (no network, no $HOME)."""
    circuit_dir.require(SETTINGS, VK, SRS)
    with tempfile.TemporaryDirectory(prefix="zkverify-sol-") as tmp:
        sol, abi = Path(tmp) / "Verifier.sol", Path(tmp) / "Verifier.abi"
        try:
            with _private_home(Path(tmp) / "home"):
                engine.create_evm_verifier(
                    vk=circuit_dir.vk, settings=circuit_dir.settings, sol=sol, abi=abi,
                    srs=circuit_dir.srs, reusable=False,
                )
        except EngineError as e:
            # Offline, ezkl fails on its solc download *after* the .sol is complete; we compile
            # with solcjs instead. Any other failure (bad vk, wrong SRS) is the circuit's.
            if not _complete_source(sol):
                raise CircuitError(
                    f"{circuit_dir.path}: cannot write the Solidity verifier: {e}"
                ) from None
        return sol.read_text()


def _complete_source(sol: Path) -> bool:
    if not sol.is_file():
        return False
    text = sol.read_text()
    return f"contract {VERIFIER_CONTRACT}" in text and text.rstrip().endswith("}")


def compile_verifier(source: str) -> Verifier:
    contracts = compile_sources({"Verifier.sol": source})
    if VERIFIER_CONTRACT not in contracts:
        raise EvmError(f"Solidity verifier has no contract {VERIFIER_CONTRACT}")
    return Verifier(source=source, contract=contracts[VERIFIER_CONTRACT])


def load_verifier(circuit_dir: CircuitDir) -> Verifier:
    return compile_verifier(verifier_source(circuit_dir))


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    files: dict[str, Path]
    runtime_size: int
    bytecode_size: int
    deployable_on_mainnet: bool
    warning: str | None


def export_verifier(circuit_dir: CircuitDir, out_dir: Path) -> ExportResult:
    """Write Verifier.sol, its ABI, creation and runtime bytecode and a summary to ``out_dir``."""
    verifier = load_verifier(circuit_dir)
    c = verifier.contract
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CircuitError(f"{out_dir}: exists and is not a directory")
    files = {
        "source": out_dir / "Verifier.sol",
        "abi": out_dir / "Verifier.abi.json",
        "bytecode": out_dir / "Verifier.bin",
        "runtime": out_dir / "Verifier.runtime.bin",
        "summary": out_dir / "verifier.json",
    }
    try:
        write_bytes_atomic(files["source"], verifier.source.encode())
        write_json_atomic(files["abi"], c.abi)
        write_bytes_atomic(files["bytecode"], ("0x" + c.bytecode.hex() + "\n").encode())
        write_bytes_atomic(files["runtime"], ("0x" + c.runtime.hex() + "\n").encode())
        write_json_atomic(files["summary"], {
            "contract": VERIFIER_CONTRACT,
            "function": VERIFY_SIGNATURE,
            "selector": "0x" + c.selector(VERIFY_SIGNATURE).hex(),
            "solc": solc_version(find_node_tool("solcjs", "ZKVERIFY_SOLCJS")),
            "evm_version": EVM_VERSION,
            "optimizer_runs": OPTIMIZER_RUNS,
            "bytecode_size": len(c.bytecode),
            "runtime_size": verifier.runtime_size,
            "eip170_limit": EIP170_LIMIT,
            "deployable_on_mainnet": verifier.deployable_on_mainnet,
            "circuit": _circuit_identity(circuit_dir),
        })
    except OSError as e:
        raise CircuitError(f"{out_dir}: cannot write the verifier: {e.strerror or e}") from None
    return ExportResult(out_dir, files, verifier.runtime_size, len(c.bytecode),
                        verifier.deployable_on_mainnet, verifier.size_warning())


def _circuit_identity(circuit_dir: CircuitDir) -> dict[str, str]:
    if circuit_dir.manifest_path.is_file():
        return circuit_dir.hashes()
    return {
        "vk_sha256": sha256_file(circuit_dir.vk),
        "settings_sha256": sha256_file(circuit_dir.settings),
    }


def evm_check(verifier: Verifier, rpc_url: str | None = None,
              address: str | None = None) -> tuple[Callable[..., tuple[bool, str]], list[EvmResult]]:
    """A proof check for zkverify.verdict.decide that calls the circuit's Solidity verifier.

    The calldata is encoded from the proof bytes and instances the verdict has already checked,
    so the chain sees exactly what was decoded. The EvmResult of each call lands in the list.
    """
    calls: list[EvmResult] = []
    selector = verifier.contract.selector(VERIFY_SIGNATURE)

    def check(proof: dict[str, Any], public: Any) -> tuple[bool, str]:
        instances = [int.from_bytes(bytes.fromhex(f), "little")
                     for col in proof["instances"] for f in col]
        data = proof_calldata(proof)  # ezkl's encoding: the bytes `evm calldata` gives users
        if decode_call(data) != (selector, bytes(proof["proof"]), instances):
            raise EvmError("ezkl's calldata does not carry the checked proof and instances")
        if rpc_url is None:
            result = verify_in_evm(verifier, data)
        else:
            result = verify_on_node(verifier, data, rpc_url, address)
        calls.append(result)
        if not result.code_checked:
            # The contract's answer means nothing: not a verdict, "nothing was verified" (exit 3).
            raise EvmError(f"{result.code_reason}; nothing was verified")
        return result.valid, result.reason

    return check, calls


def calldata(bundle: ProofBundle | ProofBundleV1, where: str = "proof bundle") -> bytes:
    """ABI-encoded ``verifyProof(proof, instances)`` call for the bundle's proof."""
    return proof_calldata(bundle.proof, where)


def proof_calldata(proof_obj: dict[str, Any], where: str = "proof bundle") -> bytes:
    import json

    with tempfile.TemporaryDirectory(prefix="zkverify-calldata-") as tmp:
        proof = Path(tmp) / "proof.json"
        proof.write_text(json.dumps(proof_obj))
        try:
            return engine.encode_evm_calldata(proof=proof, calldata=Path(tmp) / "calldata.bin")
        except EngineError as e:
            raise BundleError(f"{where}: cannot encode the proof as calldata: {e}") from None


def encode_call(selector: bytes, proof: bytes, instances: list[int]) -> bytes:
    """ABI-encode ``f(bytes proof, uint256[] instances)`` (verifyProof and any consumer alike)."""
    padded = proof + b"\0" * (-len(proof) % 32)
    head = _word(64) + _word(64 + 32 + len(padded))
    tail = _word(len(proof)) + padded + _word(len(instances)) + b"".join(map(_word, instances))
    return selector + head + tail


def decode_call(data: bytes) -> tuple[bytes, bytes, list[int]]:
    """(selector, proof, instances) of an ABI-encoded ``f(bytes, uint256[])`` call."""
    try:
        body = data[4:]
        p_off, i_off = _read(body, 0), _read(body, 32)
        p_len = _read(body, p_off)
        proof = body[p_off + 32 : p_off + 32 + p_len]
        n = _read(body, i_off)
        instances = [_read(body, i_off + 32 * (k + 1)) for k in range(n)]
        if len(proof) != p_len:
            raise ValueError("short proof")
    except (ValueError, IndexError):
        raise BundleError("calldata is not an ABI-encoded (bytes, uint256[]) call") from None
    return data[:4], proof, instances


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _read(body: bytes, offset: int) -> int:
    chunk = body[offset : offset + 32]
    if len(chunk) != 32:
        raise ValueError("truncated calldata")
    return int.from_bytes(chunk, "big")


_GAS_RE = re.compile(r"gas_used:\s*(\d+)")


def verify_in_evm(verifier: Verifier, data: bytes, code_size_limit: int | None = None) -> EvmResult:
    """Deploy the verifier in a fresh in-process EVM (pyrevm) and call it with ``data``.

    A verifier over the EIP-170 limit is still deployed here (the limit is lifted to its size)
    and the result carries a warning, since mainnet would refuse it.
    """
    import pyrevm

    warnings = [w for w in [verifier.size_warning()] if w]
    limit = code_size_limit
    if limit is None and not verifier.deployable_on_mainnet:
        limit = verifier.runtime_size
    env = pyrevm.Env(cfg=pyrevm.CfgEnv(limit_contract_code_size=limit)) if limit else None
    evm = pyrevm.EVM(env=env, spec_id=PYREVM_SPEC)
    evm.set_balance(_DEPLOYER, 10**24)
    try:
        address = evm.deploy(_DEPLOYER, verifier.contract.bytecode, gas=DEPLOY_GAS)
    except RuntimeError as e:
        raise EvmError(f"in-process EVM refused the verifier deployment: {_one_line(e)}") from None
    deploy_gas = evm.result.gas_used if evm.result else None
    base = EvmResult(valid=False, gas=None, backend="pyrevm", deploy_gas=deploy_gas,
                     address=address, runtime_size=verifier.runtime_size, warnings=warnings,
                     code_checked=True)  # we deployed the compiled verifier ourselves
    try:
        out = evm.message_call(_DEPLOYER, address, data, gas=CALL_GAS)
    except RuntimeError as e:
        m = _GAS_RE.search(str(e))
        return replace(base, gas=int(m.group(1)) if m else None,
                       reason=f"verifier reverted: {_one_line(e)}")
    gas = evm.result.gas_used if evm.result else None
    ok = _returned_true(out)
    return replace(base, valid=ok, gas=gas, reason="" if ok else "verifier returned false")


def verify_on_node(verifier: Verifier, data: bytes, rpc_url: str,
                   address: str | None = None) -> EvmResult:
    """Deploy the verifier on the node (unless ``address`` names one) and verify there.

    With a deployment we send a real transaction and report its receipt's gas; with an
    existing address we use ``eth_call`` and ``eth_estimateGas``, which need no key. Either
    way the code at the address is compared with the verifier compiled from the circuit
    first: any contract can return true, so only this circuit's verifier's answer counts.
    """
    from .chain import RpcClient, RpcRevert

    client = RpcClient(rpc_url)
    warnings = [w for w in [verifier.size_warning()] if w]
    deploy_gas = None
    sender: str | None = None
    if address is None:
        sender = client.sender()
        address, deploy_gas = client.deploy(verifier.contract.bytecode, sender, gas=DEPLOY_GAS)
    code = client.get_code(address)
    if not code:
        raise EvmError(f"node at {rpc_url}: no contract at {address}")
    base = EvmResult(valid=False, gas=None, backend="rpc", deploy_gas=deploy_gas,
                     address=address, runtime_size=verifier.runtime_size, warnings=warnings)
    mismatch = code_mismatch(verifier, code, address)
    if mismatch:
        # Not called at all: whatever it answers, it is not evidence about this circuit.
        return replace(base, runtime_size=len(code), reason=mismatch, code_reason=mismatch)
    base = replace(base, code_checked=True)
    try:
        out = client.call(address, data, sender)
    except RpcRevert as e:
        gas = None
        if sender:  # still record what the failing transaction costs on chain
            gas = client.send({"from": sender, "to": address, "data": "0x" + data.hex(),
                               "gas": hex(CALL_GAS)}).gas_used
        return replace(base, gas=gas, reason=f"verifier reverted: {_one_line(e)}")
    if not _returned_true(out):
        return replace(base, reason="verifier returned false")
    if sender:
        receipt = client.send({"from": sender, "to": address, "data": "0x" + data.hex(),
                               "gas": hex(CALL_GAS)})
        if not receipt.status:
            return replace(base, gas=receipt.gas_used, reason="verifyProof transaction failed")
        gas = receipt.gas_used
    else:
        gas = client.estimate_gas(address, data)
    return replace(base, valid=True, gas=gas)


def code_mismatch(verifier: Verifier, code: bytes, address: str) -> str | None:
    """Why ``code`` (deployed at ``address``) is not the circuit's verifier; None when it is.

    Byte-for-byte: the ezkl verifier has no immutables, and the same source compiled with the
    same solc settings gives the same runtime code, metadata hash included. A verifier built
    with other compiler settings is therefore reported as unchecked, not as wrong.
    """
    expected = verifier.contract.runtime
    if code == expected:
        return None
    return (f"the contract at {address} is not this circuit's verifier: its runtime code "
            f"({len(code):,} bytes, sha256 {sha256_bytes(code)[:12]}) differs from the verifier "
            f"compiled from the circuit ({len(expected):,} bytes, sha256 "
            f"{sha256_bytes(expected)[:12]}), so its answer was not trusted")


def _returned_true(out: bytes) -> bool:
    return len(out) >= 32 and int.from_bytes(out[:32], "big") == 1


def _one_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
