"""The network's costs on a real anvil node: gas of the registry and its operations, `infer`
through the registry vs straight to a node, and the time to fail over from a dead node.

Gas (anvil --hardfork cancun, receipts' gasUsed): registry deploy; publishing a circuit with a
verifier of its own (verifier deploy + publish) vs with ezkl's reusable verifier (one deploy for
all, then registerVka + publish per circuit); node announce (addNode); submit (the verifier call
inside, sha256 over the proof and instances, the event) in both forms.

Latency: `infer` through the registry (read nodes on chain, health checks, fetch and check the
public files on first use, prove on the node, verify locally) vs a plain HTTP infer to the node
(which does not verify), and the parts the registry path adds, each timed on its own; failover:
the health checks with a dead node (connection refused) registered first (it is then never
asked), and the time lost on a node that accepts the request and dies.

    python benchmarks/network.py [--circuits digits_mlp cancer_mlp] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _gas_table(chain_url: str, dirs: dict[str, Any], reusable_dirs: dict[str, Any],
               bundles: dict[str, dict[str, Any]], rbundles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from zkverify import evm
    from zkverify.network import registry as R
    from zkverify.network import reusable as ru
    from zkverify.network.failover import submit
    from zkverify.network.wallet import Wallet

    wallet = Wallet.connect(chain_url)
    address, deploy_gas = R.deploy(wallet)
    reg = R.Registry(chain_url, address, wallet)
    out: dict[str, Any] = {"registry_deploy": deploy_gas, "circuits": {}}
    shared: str | None = None
    shared_deploy = None
    for name, cd in dirs.items():
        card = cd.load_card()
        verifier = evm.load_verifier(cd)
        vaddr, vgas = wallet.deploy(verifier.contract.bytecode)
        pub = reg.publish(card.circuit_id, card.vk_sha256, vaddr).gas_used
        announce = reg.add_node(card.circuit_id, f"http://node.example/{name}").gas_used
        sub = submit(reg, card.circuit_id, bundles[name])["gas"]
        rcd = reusable_dirs[name]
        rcard = rcd.load_card()
        contract = ru.compile_reusable(rcd)
        words = ru.vka_words(rcd)
        if shared is None:
            shared, shared_deploy = wallet.deploy(contract.bytecode)
        reg_gas = ru.register(wallet, shared, contract, words)
        rpub = reg.publish(rcard.circuit_id, rcard.vk_sha256, shared, "",
                           ru.vka_digest(words)).gas_used
        rsub = submit(reg, rcard.circuit_id, rbundles[name], rcd.path)["gas"]
        out["circuits"][name] = {
            "verifier_runtime_bytes": verifier.runtime_size,
            "own_verifier": {"verifier_deploy": vgas, "publish": pub, "per_circuit": vgas + pub,
                             "submit": sub},
            "reusable": {"register_vka": reg_gas, "publish": rpub, "per_circuit": reg_gas + rpub,
                         "vka_words": len(words), "vka_bytes": 32 * len(words), "submit": rsub},
            "announce": announce,
        }
    out["reusable_verifier_deploy"] = shared_deploy
    out["reusable_verifier_runtime_bytes"] = len(contract.runtime)
    return out


def _latency(chain_url: str, cd: Any, runs: int, work: Path) -> dict[str, Any]:
    from tests.netutil import free_port
    from tests.network_fixtures import dying_node
    from tests.service_fixtures import TOKEN, ThreadServer
    from zkverify.client import infer_remote
    from zkverify.network import registry as R
    from zkverify.network.failover import infer
    from zkverify.network.wallet import Wallet

    wallet = Wallet.connect(chain_url)
    card = cd.load_card()
    data = json.loads(cd.input.read_text())
    from zkverify import evm

    verifier_addr, _ = wallet.deploy(evm.load_verifier(cd).contract.bytecode)

    def registry_with(*urls: str) -> R.Registry:
        address, _ = R.deploy(wallet)
        reg = R.Registry(chain_url, address, wallet)
        reg.publish(card.circuit_id, card.vk_sha256, verifier_addr)
        for u in urls:
            reg.add_node(card.circuit_id, u)
        return reg

    def timed(fn: Any) -> list[float]:
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
        return out

    cache = work / "public-cache"
    from zkverify.network.failover import order_nodes
    from zkverify.verifying import verify_bundle

    with ThreadServer([cd.path], work / "node.sqlite3") as node:
        infer_remote(node.url, card.circuit_id, data, TOKEN)  # warm the worker
        direct = timed(lambda: infer_remote(node.url, card.circuit_id, data, TOKEN))
        reg = registry_with(node.url)
        t0 = time.perf_counter()
        first_result = infer(reg, card.circuit_id, data, TOKEN, cache=cache)  # fetches files
        first = time.perf_counter() - t0
        through = timed(lambda: infer(reg, card.circuit_id, data, TOKEN, cache=cache))
        # What the registry path adds, part by part (robust on a loaded machine, unlike a
        # difference of two medians dominated by proving time).
        chain = timed(lambda: (reg.require_circuit(card.circuit_id), reg.nodes(card.circuit_id)))
        health = timed(lambda: order_nodes(reg.nodes(card.circuit_id)))
        verify = timed(lambda: verify_bundle(cache / card.circuit_id, first_result.bundle,
                                             circuit_id=card.circuit_id))
        dead = registry_with(f"http://127.0.0.1:{free_port()}", node.url)
        dead_health = timed(lambda: order_nodes(dead.nodes(card.circuit_id)))
        res = infer(dead, card.circuit_id, data, TOKEN, cache=cache)
        assert [a.url for a in res.attempts] == [node.url]  # the dead one was never asked
        with dying_node(cd) as (dying_url, _):
            dying = registry_with(dying_url, node.url)
            res = infer(dying, card.circuit_id, data, TOKEN, cache=cache)
            assert [a.outcome for a in res.attempts] == ["failed", "ok"]
            died_cost = res.attempts[0].seconds

    def med(xs: list[float]) -> float:
        return round(statistics.median(xs), 3)

    return {"circuit": card.name, "runs": runs,
            "direct_http_infer_s": med(direct),
            "registry_infer_s": med(through),
            "registry_infer_first_use_s": round(first, 3),
            "registry_chain_reads_s": med(chain),
            "registry_health_checks_s": med(health),
            "local_verify_s": med(verify),
            "registry_overhead_s": round(med(chain) + med(health) + med(verify), 3),
            "dead_node_health_checks_s": med(dead_health),
            "dead_node_failover_cost_s": round(med(dead_health) - med(health), 3),
            "node_dies_mid_request_attempt_s": round(died_cost, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--circuits", nargs="+", default=["digits_mlp", "cancer_mlp"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "network.json")
    ap.add_argument("--latency-only", action="store_true",
                    help="Keep the gas figures already in --out; measure latency again.")
    args = ap.parse_args(argv)

    from tests.evm_fixtures import anvil
    from zkverify.circuit import BuildConfig, build
    from zkverify.manifest import ProofBundle
    from zkverify.proving import prove

    with tempfile.TemporaryDirectory(prefix="zkverify-bench-net-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("ZKVERIFY_CACHE_DIR", str(work / "cache"))
        dirs, rdirs, bundles, rbundles = {}, {}, {}, {}
        for name in args.circuits[:1] if args.latency_only else args.circuits:
            spec = ROOT / "circuits" / f"{name}.toml"
            for reusable, target, store in ((False, dirs, bundles), (True, rdirs, rbundles))[
                    :1 if args.latency_only else 2]:
                out = work / f"{name}-{'reusable' if reusable else 'own'}"
                built = build(spec, out, BuildConfig(reusable_verifier=reusable))
                target[name] = built.circuit
                b: ProofBundle = prove(built.circuit.path, built.circuit.input)
                store[name] = b.model_dump(mode="json")
            print(f"built {name}", file=sys.stderr)
        with anvil("--hardfork", "cancun", "--code-size-limit", "100000") as node:
            gas = (json.loads(args.out.read_text())["gas"] if args.latency_only
                   else _gas_table(node.url, dirs, rdirs, bundles, rbundles))
            latency = _latency(node.url, dirs[args.circuits[0]], args.runs, work)
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "gas": gas, "latency": latency}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
