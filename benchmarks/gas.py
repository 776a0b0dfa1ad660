"""Gas of on-chain verification for each example circuit, input visibility public/hashed/private.

For every circuits/*.toml and each input visibility, the circuit is built (outputs public,
parameters fixed), its sample input proved, the Solidity verifier compiled with solcjs, and
verifyProof deployed and called in pyrevm (Cancun rules, the EVM version the verifier is
compiled for; anvil --hardfork cancun gives the same figures, see tests/test_evm_node.py).
`gas` is the whole transaction: 21,000 base + calldata + execution.

    python benchmarks/gas.py [--circuits digits_mlp cancer_mlp] [--out benchmarks/results/gas.json]

Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VISIBILITIES = ("public", "hashed", "private")


def measure(spec: Path, visibility: str, work: Path) -> dict[str, Any]:
    from zkverify import evm
    from zkverify.circuit import BuildConfig, build
    from zkverify.proving import prove

    t0 = time.perf_counter()
    built = build(spec, work / f"{spec.stem}-{visibility}",
                  BuildConfig(input_visibility=visibility, output_visibility="public",
                              param_visibility="fixed"))
    build_s = time.perf_counter() - t0
    cd = built.circuit
    t0 = time.perf_counter()
    bundle = prove(cd.path, cd.input)
    prove_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    verifier = evm.compile_verifier(evm.verifier_source(cd))
    compile_s = time.perf_counter() - t0
    data = evm.calldata(bundle)
    result = evm.verify_in_evm(verifier, data)
    if not result.valid:
        raise SystemExit(f"{spec.stem}/{visibility}: the proof did not verify: {result.reason}")
    _, proof, instances = evm.decode_call(data)
    return {
        "circuit": spec.stem,
        "input_visibility": visibility,
        "logrows": built.manifest.logrows,
        "public_instances": len(instances),
        "proof_bytes": len(proof),
        "calldata_bytes": len(data),
        "gas": result.gas,
        "deploy_gas": result.deploy_gas,
        "runtime_size": verifier.runtime_size,
        "deployable_on_mainnet": verifier.deployable_on_mainnet,
        "seconds": {"build": round(build_s, 2), "prove": round(prove_s, 2),
                    "solidity_compile": round(compile_s, 2)},
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| circuit | input | logrows | public values | calldata (B) | verify gas | "
             "deploy gas | verifier runtime (B) |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        size = f"{r['runtime_size']:,}" + ("" if r["deployable_on_mainnet"] else " (over EIP-170)")
        lines.append(f"| {r['circuit']} | {r['input_visibility']} | {r['logrows']} | "
                     f"{r['public_instances']} | {r['calldata_bytes']:,} | {r['gas']:,} | "
                     f"{r['deploy_gas']:,} | {size} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--circuits", nargs="*", help="spec names under circuits/ (default: all)")
    ap.add_argument("--visibility", nargs="*", default=list(VISIBILITIES),
                    choices=VISIBILITIES)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "gas.json")
    args = ap.parse_args(argv)

    specs = sorted((ROOT / "circuits").glob("*.toml"))
    if args.circuits:
        specs = [s for s in specs if s.stem in args.circuits]
        missing = set(args.circuits) - {s.stem for s in specs}
        if missing:
            ap.error(f"no circuits/{sorted(missing)[0]}.toml")
    if not specs:
        ap.error("no circuits/*.toml to measure")

    from zkverify import engine
    from zkverify.files import write_json_atomic
    from zkverify.solc import find_node_tool, solc_version

    rows = []
    with tempfile.TemporaryDirectory(prefix="zkverify-gas-") as tmp:
        for spec in specs:
            for vis in args.visibility:
                row = measure(spec, vis, Path(tmp))
                print(f"{row['circuit']:<12} {vis:<8} gas {row['gas']:>10,}  "
                      f"runtime {row['runtime_size']:>6,} B", file=sys.stderr, flush=True)
                rows.append(row)
    result = {
        "what": "gas of one verifyProof transaction (21,000 base + calldata + execution), pyrevm, "
                "Cancun; outputs public, parameters fixed",
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "ezkl": engine.ezkl_version(),
                    "solc": solc_version(find_node_tool("solcjs", "ZKVERIFY_SOLCJS")),
                    "evm_version": "cancun", "optimizer_runs": 200},
        "rows": rows,
    }
    write_json_atomic(args.out, result)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
