"""``zkverify infer --registry``: find a circuit's nodes on chain, try them until one returns a
proof that verifies here, and (``--submit``) record it on chain.

Nothing a node says is believed: its public files must hash to the circuit id (and the card's
vk hash to the one registered on chain), and its bundle must verify locally under that circuit
before it is returned. A node that answers with a bundle that does not verify is reported as
forged, by URL, and the next node is tried; so is one that errors, times out or is overloaded.
"""

from __future__ import annotations

import concurrent.futures
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..cache import cache_root
from ..errors import BundleError, CircuitError, InputError, ServiceError, UsageError, ZkVerifyError
from .registry import CircuitEntry, NodeEntry, Registry

HEALTH_TIMEOUT = 2.0


@dataclass
class Attempt:
    url: str
    outcome: str  # "ok", "failed", "forged", "unhealthy" (skipped at first, tried last)
    reason: str = ""
    seconds: float = 0.0


@dataclass
class InferResult:
    circuit_id: str
    node: str
    prediction: Any
    proof_hash: str
    bundle: dict[str, Any]
    verdict: dict[str, Any]
    attempts: list[Attempt] = field(default_factory=list)
    public_dir: str = ""

    @property
    def forged(self) -> list[str]:
        return [a.url for a in self.attempts if a.outcome == "forged"]

    def as_dict(self) -> dict[str, Any]:
        return {"circuit_id": self.circuit_id, "node": self.node, "prediction": self.prediction,
                "proof_hash": self.proof_hash, "valid": bool(self.verdict.get("valid")),
                "forged": self.forged, "attempts": [asdict(a) for a in self.attempts],
                "public_dir": self.public_dir}


def health(url: str, timeout: float = HEALTH_TIMEOUT) -> tuple[bool, float]:
    """(healthy, seconds): GET /healthz answered 200 with status ok."""
    t0 = time.perf_counter()
    try:
        r = httpx.get(url.rstrip("/") + "/healthz", timeout=timeout)
        ok = r.status_code == 200 and r.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError, AttributeError):
        ok = False
    return ok, time.perf_counter() - t0


def order_nodes(nodes: list[NodeEntry], timeout: float = HEALTH_TIMEOUT) -> list[tuple[str, bool]]:
    """Healthy nodes first (in registry order), then the rest: (url, healthy)."""
    urls = list(dict.fromkeys(n.url for n in nodes))
    if not urls:
        return []
    with concurrent.futures.ThreadPoolExecutor(min(8, len(urls))) as ex:
        probes = list(ex.map(lambda u: health(u, timeout), urls))
    healthy = [u for u, (ok, _) in zip(urls, probes, strict=True) if ok]
    return [(u, True) for u in healthy] + [(u, False) for u in urls if u not in healthy]


def public_files(entry: CircuitEntry, urls: list[str], cache: Path | None = None,
                 attempts: list[Attempt] | None = None) -> Path:
    """The circuit's public files, fetched from the first node that serves the right ones.

    Cached by circuit id; a cached copy is re-checked against the card (and the card against
    the id) before each use. The card's vk hash must be the one registered on chain.
    """
    from ..fetch import FetchMismatch, fetch
    from ..verifying import load_public

    root = cache or cache_root() / "circuits"
    target = root / entry.circuit_id
    if target.is_dir():
        try:
            _check_public(target, entry)
            return target
        except ZkVerifyError:
            import shutil

            shutil.rmtree(target, ignore_errors=True)
    errors = []
    for url in urls:
        t0 = time.perf_counter()
        try:
            fetch(url, entry.circuit_id, target)
            _check_public(target, entry)
            load_public(target)
            return target
        except (FetchMismatch, CircuitError) as e:
            import shutil

            shutil.rmtree(target, ignore_errors=True)
            errors.append(f"{url}: {e}")
            if attempts is not None:  # served files that are not the circuit's: as bad as a forgery
                attempts.append(Attempt(url, "forged", f"public files: {e}",
                                        round(time.perf_counter() - t0, 4)))
        except ZkVerifyError as e:
            errors.append(f"{url}: {e}")
    raise ServiceError(f"no node served the public files of circuit {entry.circuit_id[:16]}… "
                       f"({'; '.join(errors) or 'no nodes'})")


def _check_public(path: Path, entry: CircuitEntry) -> None:
    from ..card import Card

    card = Card.load(path / "card.json")
    if card.circuit_id != entry.circuit_id:
        raise CircuitError(f"{path}: card is circuit {card.circuit_id}, not {entry.circuit_id}")
    if card.vk_sha256 != entry.vk_hash:
        raise CircuitError(f"the card's vk hash {card.vk_sha256[:12]}… is not the one registered "
                           f"on chain ({entry.vk_hash[:12]}…)")
    from ..verifying import load_public

    load_public(path)  # settings, vk and SRS against the card


def infer(registry: Registry, circuit_id: str, data: Any, token: str, *,
          node_timeout: float = 300.0, health_timeout: float = HEALTH_TIMEOUT,
          cache: Path | None = None) -> InferResult:
    """Prove one inference on the first node whose bundle verifies here."""
    from ..client import infer_remote
    from ..verifying import verify_bundle

    entry = registry.require_circuit(circuit_id)
    ordered = order_nodes(registry.nodes(circuit_id), health_timeout)
    if not ordered:
        raise ServiceError(f"no node is registered for circuit {circuit_id[:16]}… in the "
                           f"registry at {registry.address}")
    attempts: list[Attempt] = []
    public = public_files(entry, [u for u, _ in ordered], cache, attempts)
    bad_urls = {a.url for a in attempts}
    input_errors: list[str] = []
    for url, healthy in ordered:
        if url in bad_urls:
            continue
        t0 = time.perf_counter()
        try:
            answer = infer_remote(url, circuit_id, data, token, timeout=node_timeout)
        except InputError as e:
            input_errors.append(str(e))
            attempts.append(Attempt(url, "failed", str(e), round(time.perf_counter() - t0, 4)))
            continue
        except BundleError as e:  # not even a bundle: as bad as a forged one
            attempts.append(Attempt(url, "forged", str(e), round(time.perf_counter() - t0, 4)))
            continue
        except (ServiceError, UsageError) as e:
            outcome = "failed" if healthy else "unhealthy"
            attempts.append(Attempt(url, outcome, str(e), round(time.perf_counter() - t0, 4)))
            continue
        except ZkVerifyError as e:
            attempts.append(Attempt(url, "forged", str(e), round(time.perf_counter() - t0, 4)))
            continue
        bundle = answer["bundle"]
        try:
            verdict = verify_bundle(public, bundle, circuit_id=circuit_id)
            reason = verdict.reason
        except ZkVerifyError as e:
            verdict, reason = None, str(e)
        seconds = round(time.perf_counter() - t0, 4)
        if verdict is None or not verdict.valid:
            attempts.append(Attempt(url, "forged", f"its bundle does not verify: {reason}",
                                    seconds))
            continue
        attempts.append(Attempt(url, "ok", "", seconds))
        return InferResult(circuit_id, url, verdict.prediction, str(verdict.proof_hash), bundle,
                           verdict.to_dict(), attempts, str(public))
    if input_errors and len(input_errors) == len([a for a in attempts if a.outcome != "forged"]):
        raise InputError(f"every node refused the input: {input_errors[0]}")
    tried = "; ".join(f"{a.url}: {a.outcome} ({a.reason})" for a in attempts)
    raise ServiceError(f"no node returned a verified proof for circuit {circuit_id[:16]}… "
                       f"({tried})")


def submit(registry: Registry, circuit_id: str, bundle: dict[str, Any],
           public_dir: str | Path | None = None) -> dict[str, Any]:
    """Record a verified bundle's proof on chain; the transaction's hash and gas.

    A circuit published with the reusable verifier needs its VKA, made from the public files.
    """
    proof = bundle["proof"]
    instances = [int.from_bytes(bytes.fromhex(f), "little") for col in proof["instances"]
                 for f in col]
    vka = None
    if registry.require_circuit(circuit_id).reusable:
        from ..manifest import CircuitDir
        from .reusable import vka_words

        if public_dir is None:
            raise UsageError(f"circuit {circuit_id[:16]}… uses the reusable verifier: submitting "
                             "needs its public files (for the VKA)")
        vka = vka_words(CircuitDir(public_dir))
    receipt = registry.submit(circuit_id, bytes(proof["proof"]), instances, vka)
    return {"tx_hash": receipt.tx_hash, "gas": receipt.gas_used}
