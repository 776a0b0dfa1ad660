"""Deploy the circuit's verifier and PredictionOracle in an in-process EVM and submit a proof.

    python examples/contracts/oracle.py CIRCUIT_DIR PROOF_BUNDLE

The same steps work on any chain: deploy ``Verifier.bin`` from ``zkverify evm export``, deploy
PredictionOracle with (verifier address, number of public instances, number of outputs), then
send ``submit(proof, instances)``: its arguments are exactly those of ``verifyProof``, so the
calldata from ``zkverify evm calldata`` works once its 4-byte selector is swapped.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkverify.evm import decode_call, encode_call, load_verifier
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.solc import Contract, compile_sources

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "PredictionOracle.sol"
OWNER = "0x" + "a1" * 20
FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617


def compile_oracle() -> Contract:
    return compile_sources({"PredictionOracle.sol": SOURCE.read_text()})["PredictionOracle"]


def _word(v: int) -> bytes:
    return (v % 2**256).to_bytes(32, "big")


def _signed(word: bytes) -> int:
    v = int.from_bytes(word, "big")
    return v - 2**256 if v >= 2**255 else v


@dataclass
class Deployment:
    """A verifier and an oracle deployed in one pyrevm instance."""

    evm: Any
    oracle: Contract
    verifier_address: str
    oracle_address: str

    def submit(self, verify_calldata: bytes) -> tuple[bool, int]:
        """Send submit(proof, instances) taken from verifyProof calldata: (accepted, gas)."""
        _, proof, instances = decode_call(verify_calldata)
        data = encode_call(self.oracle.selector("submit(bytes,uint256[])"), proof, instances)
        try:
            self.evm.message_call(OWNER, self.oracle_address, data, gas=30_000_000)
        except RuntimeError:
            return False, self.evm.result.gas_used if self.evm.result else 0
        return True, self.evm.result.gas_used

    def _view(self, signature: str) -> bytes:
        out: bytes = self.evm.message_call(
            OWNER, self.oracle_address, self.oracle.selector(signature), is_static=True
        )
        return out

    def prediction_count(self) -> int:
        return int.from_bytes(self._view("predictionCount()"), "big")

    def prediction(self) -> int:
        return int.from_bytes(self._view("prediction()"), "big")

    def outputs(self) -> list[int]:
        """Latest verified outputs, fixed point, decoded from int256[]."""
        out = self._view("outputs()")
        n = int.from_bytes(out[32:64], "big")
        return [_signed(out[64 + 32 * i : 96 + 32 * i]) for i in range(n)]


def deploy(verifier_bytecode: bytes, instance_count: int, output_count: int,
           oracle: Contract | None = None) -> Deployment:
    import pyrevm

    oracle = oracle or compile_oracle()
    evm = pyrevm.EVM(spec_id="CANCUN")
    evm.set_balance(OWNER, 10**24)
    verifier_address = evm.deploy(OWNER, verifier_bytecode, gas=30_000_000)
    args = bytes.fromhex(verifier_address[2:]).rjust(32, b"\0") + _word(instance_count) + _word(
        output_count
    )
    oracle_address = evm.deploy(OWNER, oracle.bytecode + args, gas=30_000_000)
    return Deployment(evm, oracle, verifier_address, oracle_address)


def felt_to_int(felt: int) -> int:
    """What the oracle stores for a field element: values above p/2 are negative."""
    return felt - FIELD_MODULUS if felt > FIELD_MODULUS // 2 else felt


def main(argv: list[str]) -> int:
    from zkverify.evm import calldata

    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    circuit, bundle = CircuitDir(argv[0]), ProofBundle.load(argv[1])
    data = calldata(bundle)
    _, _, instances = decode_call(data)
    n_out = len(bundle.output_values[0]) if bundle.output_values else 1
    d = deploy(load_verifier(circuit).contract.bytecode, len(instances), n_out)
    accepted, gas = d.submit(data)
    print(f"submit: {'accepted' if accepted else 'rejected'} (gas {gas:,})")
    print(f"stored: count={d.prediction_count()} prediction={d.prediction()} "
          f"outputs={d.outputs()} (fixed point)")
    return 0 if accepted else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
