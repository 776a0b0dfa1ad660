"""The registry contract (``zkverify/contracts/Registry.sol``) from Python: deploy, publish a
circuit, announce and withdraw nodes, submit verified inferences, read them back.

ABI encoding comes from eth-abi (the ``chain`` extra). A registry address is trusted only after
its runtime code is compared with the contract compiled here: a look-alike contract could say
anything about which verifier or vk hash a circuit has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..chain import Receipt, RpcClient, RpcRevert
from ..errors import CircuitError, EvmError, UsageError
from ..solc import Contract, compile_sources
from .wallet import Wallet

SOURCE = Path(__file__).resolve().parent.parent / "contracts" / "Registry.sol"
CONTRACT = "ZkVerifyRegistry"
ERRORS = ("NotPublisher(bytes32,address)", "UnknownCircuit(bytes32)",
          "NotNodeOwner(bytes32,address)", "NodeExists(bytes32,address)", "NoSuchNode(bytes32)",
          "NoVerifier(address)", "ProofRejected(bytes32)", "NeedsVka(bytes32)",
          "WrongVka(bytes32)", "AlreadyRecorded(bytes32,address)")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_ID = re.compile(r"^[0-9a-f]{64}$")


class RegistryRevert(EvmError):
    """The registry refused a transaction by one of its rules (``error`` names which)."""

    exit_code = 1

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class CircuitEntry:
    circuit_id: str
    vk_hash: str
    verifier: str
    publisher: str
    card_uri: str
    vka_digest: str | None
    published_at: int

    @property
    def reusable(self) -> bool:
        return self.vka_digest is not None


@dataclass(frozen=True)
class NodeEntry:
    url: str
    owner: str


@dataclass(frozen=True)
class Record:
    """One InferenceRecorded event."""

    circuit_id: str
    proof_hash: str
    submitter: str
    instances: list[int]
    block: int
    tx_hash: str


@cache
def contract() -> Contract:
    return compile_sources({"Registry.sol": SOURCE.read_text()})[CONTRACT]


def check_address(address: str, what: str = "--registry") -> str:
    if not _ADDRESS.match(address or ""):
        raise UsageError(f"{what} {address[:80]!r}: not an address (0x and 40 hex digits)")
    return address.lower()


def check_circuit_id(circuit_id: str) -> str:
    if not _ID.match(circuit_id or ""):
        raise UsageError(f"{circuit_id[:80]!r} is not a circuit id (64 lowercase hex digits)")
    return circuit_id


def deploy(wallet: Wallet) -> tuple[str, int]:
    """Deploy a new registry; (address, gas used)."""
    return wallet.deploy(contract().bytecode)


class Registry:
    """One deployed registry on one node; ``wallet`` is needed only to send transactions."""

    def __init__(self, rpc_url: str, address: str, wallet: Wallet | None = None,
                 check_code: bool = True) -> None:
        self.address = check_address(address)
        self.client = wallet.client if wallet is not None else RpcClient(rpc_url)
        self.wallet = wallet
        self.contract = contract()
        if check_code:
            code = self.client.get_code(self.address)
            if not code:
                raise EvmError(f"node at {self.client.url}: no contract at {self.address}")
            if code != self.contract.runtime:
                raise EvmError(f"the contract at {self.address} is not a zkverify registry (its "
                               "code differs from zkverify/contracts/Registry.sol compiled here)")

    # --- reads --------------------------------------------------------------------------

    def _call(self, signature: str, types: list[str], args: list[Any], out: list[str]) -> Any:
        from eth_abi import decode, encode

        data = self.contract.selector(signature) + encode(types, args)
        try:
            raw = self.client.call(self.address, data)
        except RpcRevert as e:
            raise self._revert(e, signature) from None
        try:
            return decode(out, raw)
        except Exception:  # noqa: BLE001 - eth-abi raises several unrelated types
            raise EvmError(f"registry {self.address}: malformed answer to {signature}") from None

    def circuit(self, circuit_id: str) -> CircuitEntry | None:
        """The circuit's entry, None when it was never published."""
        try:
            vk, verifier, publisher, uri, vka, at = self._call(
                "circuit(bytes32)", ["bytes32"], [bytes.fromhex(check_circuit_id(circuit_id))],
                ["bytes32", "address", "address", "string", "bytes32", "uint64"])
        except RegistryRevert as e:
            if e.error == "UnknownCircuit":
                return None
            raise
        return CircuitEntry(circuit_id, vk.hex(), verifier.lower(), publisher.lower(), uri,
                            None if vka == bytes(32) else vka.hex(), at)

    def require_circuit(self, circuit_id: str) -> CircuitEntry:
        entry = self.circuit(circuit_id)
        if entry is None:
            raise CircuitError(f"circuit {circuit_id} is not published in the registry at "
                               f"{self.address}")
        return entry

    def circuit_ids(self) -> list[str]:
        (n,) = self._call("circuitCount()", [], [], ["uint256"])
        return [self._call("circuitIds(uint256)", ["uint256"], [i], ["bytes32"])[0].hex()
                for i in range(n)]

    def nodes(self, circuit_id: str) -> list[NodeEntry]:
        urls, owners = self._call("nodes(bytes32)", ["bytes32"],
                                  [bytes.fromhex(check_circuit_id(circuit_id))],
                                  ["string[]", "address[]"])
        return [NodeEntry(u, o.lower()) for u, o in zip(urls, owners, strict=True)]

    def submitter_of(self, proof_hash: str) -> str | None:
        (who,) = self._call("submitterOf(bytes32)", ["bytes32"], [bytes.fromhex(proof_hash)],
                            ["address"])
        return None if int(who, 16) == 0 else who.lower()

    # --- writes -------------------------------------------------------------------------

    def _send(self, signature: str, types: list[str], args: list[Any]) -> Receipt:
        from eth_abi import encode

        if self.wallet is None:
            raise UsageError("this registry operation sends a transaction: it needs an account")
        data = self.contract.selector(signature) + encode(types, args)
        try:
            receipt = self.wallet.transact(self.address, data)
        except RpcRevert as e:
            raise self._revert(e, signature) from None
        if not receipt.status:
            raise EvmError(f"registry {self.address}: {signature.split('(')[0]} transaction "
                           f"{receipt.tx_hash} failed")
        return receipt

    def publish(self, circuit_id: str, vk_hash: str, verifier: str, card_uri: str = "",
                vka_digest: str | None = None) -> Receipt:
        return self._send("publish(bytes32,bytes32,address,string,bytes32)",
                          ["bytes32", "bytes32", "address", "string", "bytes32"],
                          [bytes.fromhex(check_circuit_id(circuit_id)), bytes.fromhex(vk_hash),
                           check_address(verifier, "verifier"), card_uri,
                           bytes.fromhex(vka_digest) if vka_digest else bytes(32)])

    def add_node(self, circuit_id: str, url: str) -> Receipt:
        return self._send("addNode(bytes32,string)", ["bytes32", "string"],
                          [bytes.fromhex(check_circuit_id(circuit_id)), url])

    def remove_node(self, circuit_id: str, url: str) -> Receipt:
        return self._send("removeNode(bytes32,string)", ["bytes32", "string"],
                          [bytes.fromhex(check_circuit_id(circuit_id)), url])

    def submit(self, circuit_id: str, proof: bytes, instances: list[int],
               vka: list[bytes] | None = None) -> Receipt:
        cid = bytes.fromhex(check_circuit_id(circuit_id))
        if vka is None:
            return self._send("submit(bytes32,bytes,uint256[])", ["bytes32", "bytes", "uint256[]"],
                              [cid, proof, instances])
        return self._send("submitReusable(bytes32,bytes,uint256[],bytes32[])",
                          ["bytes32", "bytes", "uint256[]", "bytes32[]"],
                          [cid, proof, instances, vka])

    # --- the audit trail ----------------------------------------------------------------

    def records(self, circuit_id: str | None = None, from_block: int = 0) -> list[Record]:
        """Every InferenceRecorded event (of one circuit), oldest first."""
        from eth_abi import decode

        (topic,) = self._call("recordedTopic()", [], [], ["bytes32"])
        topics: list[Any] = ["0x" + topic.hex()]
        if circuit_id is not None:
            topics.append("0x" + check_circuit_id(circuit_id))
        logs = self.client.request("eth_getLogs", {"address": self.address, "topics": topics,
                                                   "fromBlock": hex(from_block),
                                                   "toBlock": "latest"})
        if not isinstance(logs, list):
            raise EvmError(f"node at {self.client.url} gave a malformed answer to eth_getLogs")
        out = []
        for log in logs:
            try:
                t = log["topics"]
                (instances,) = decode(["uint256[]"], bytes.fromhex(log["data"][2:]))
                out.append(Record(t[1][2:], t[2][2:], "0x" + t[3][-40:], list(instances),
                                  int(log["blockNumber"], 16), log["transactionHash"]))
            except (KeyError, IndexError, TypeError, ValueError):
                raise EvmError(f"node at {self.client.url}: a malformed InferenceRecorded log "
                               "from eth_getLogs") from None
        return out

    def submitted_call(self, tx_hash: str) -> tuple[str, bytes, list[int]]:
        """(circuit id, proof bytes, instances) from the input of a submit transaction."""
        from eth_abi import decode

        tx = self.client.request("eth_getTransactionByHash", tx_hash)
        if not isinstance(tx, dict):
            raise EvmError(f"node at {self.client.url}: no transaction {tx_hash}")
        data = self.client.data(tx.get("input") or tx.get("data"), "eth_getTransactionByHash",
                                "transaction input")
        if str(tx.get("to") or "").lower() != self.address:
            raise EvmError(f"transaction {tx_hash} was not sent to the registry (a contract "
                           "called it): its proof cannot be read from the input")
        plain = self.contract.selector("submit(bytes32,bytes,uint256[])")
        reusable = self.contract.selector("submitReusable(bytes32,bytes,uint256[],bytes32[])")
        try:
            if data[:4] == plain:
                cid, proof, instances = decode(["bytes32", "bytes", "uint256[]"], data[4:])
            elif data[:4] == reusable:
                cid, proof, instances, _ = decode(["bytes32", "bytes", "uint256[]", "bytes32[]"],
                                                  data[4:])
            else:
                raise ValueError("not a submit call")
        except Exception:  # noqa: BLE001
            raise EvmError(f"transaction {tx_hash} is not a registry submit call") from None
        return cid.hex(), bytes(proof), list(instances)

    def _revert(self, e: RpcRevert, signature: str) -> EvmError:
        """The registry rule behind a revert, named (e.g. NotPublisher), else the node's words."""
        from eth_utils import keccak

        text = str(e)
        for err in ERRORS:
            if "0x" + keccak(text=err)[:4].hex() in text.lower() or err.split("(")[0] in text:
                name = err.split("(")[0]
                return RegistryRevert(f"registry {self.address} refused "
                                      f"{signature.split('(')[0]}: {name}", name)
        return RegistryRevert(f"registry {self.address} refused {signature.split('(')[0]}: "
                              f"{text.splitlines()[0][:200]}", "revert")
