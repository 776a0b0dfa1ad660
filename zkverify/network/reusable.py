"""ezkl's reusable EVM verifier: one ``Halo2VerifierReusable`` contract serves many circuits,
each registered with it as a VKA (verifying key artifact, ~5 KB of 32-byte words), and called
as ``verifyProof(proof, instances, vka)``.

ezkl's own ``register_vka`` signs with a fixed development key, so the registration is sent here
with the publisher's account. The registry stores only keccak256 of the VKA (what the verifier
itself keys registrations by); the VKA travels in each ``submitReusable`` call, because storing
5 KB per circuit on chain would cost more than a verifier of its own (benchmarks/network.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .. import engine
from ..errors import CircuitError, EngineError, EvmError
from ..manifest import SETTINGS, SRS, VK, CircuitDir
from ..solc import Contract, compile_sources
from .wallet import Wallet

CONTRACT = "Halo2VerifierReusable"
REGISTER = "registerVka(bytes32[])"


def source(cd: CircuitDir) -> str:
    """The reusable verifier's Solidity, written by ezkl (offline; see evm.verifier_source)."""
    from ..evm import _private_home

    cd.require(SETTINGS, VK, SRS)
    with tempfile.TemporaryDirectory(prefix="zkverify-reusable-") as tmp:
        sol = Path(tmp) / "Reusable.sol"
        try:
            with _private_home(Path(tmp) / "home"):
                engine.create_evm_verifier(vk=cd.vk, settings=cd.settings, sol=sol,
                                           abi=Path(tmp) / "Reusable.abi", srs=cd.srs,
                                           reusable=True)
        except EngineError as e:
            # Offline, ezkl fails on its solc download after the .sol is written.
            if not sol.is_file() or f"contract {CONTRACT}" not in sol.read_text():
                raise CircuitError(f"{cd.path}: cannot write the reusable verifier: {e}") from None
        return sol.read_text()


def compile_reusable(cd: CircuitDir) -> Contract:
    contracts = compile_sources({"Reusable.sol": source(cd)})
    if CONTRACT not in contracts:
        raise EvmError(f"the reusable verifier has no contract {CONTRACT}")
    return contracts[CONTRACT]


def vka_words(cd: CircuitDir) -> list[bytes]:
    """The circuit's VKA as 32-byte words (ezkl writes a length-prefixed list of them)."""
    cd.require(SETTINGS, VK, SRS)
    with tempfile.TemporaryDirectory(prefix="zkverify-vka-") as tmp:
        path = Path(tmp) / "vka.bytes"
        engine.create_evm_vka(vk=cd.vk, settings=cd.settings, vka=path, srs=cd.srs)
        raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    if len(raw) != 8 + 32 * n:
        raise EvmError(f"{cd.path}: ezkl's VKA is not a list of 32-byte words ({len(raw)} bytes)")
    return [raw[8 + 32 * i: 8 + 32 * (i + 1)] for i in range(n)]


def vka_digest(words: list[bytes]) -> str:
    """keccak256 of the packed words: the key the reusable verifier registers a VKA under."""
    from eth_utils import keccak

    return keccak(b"".join(words)).hex()


def register(wallet: Wallet, verifier: str, contract: Contract, words: list[bytes]) -> int:
    """Register the VKA with the reusable verifier at ``verifier``; the gas used."""
    from eth_abi import encode

    data = contract.selector(REGISTER) + encode(["bytes32[]"], [words])
    receipt = wallet.transact(verifier, data)
    if not receipt.status:
        raise EvmError(f"registerVka on {verifier} failed (transaction {receipt.tx_hash})")
    return receipt.gas_used
