"""The HTTP service: host circuits, prove inferences for token holders, verify anyone's bundles.

Trust comes from the proof, so verification and downloads are open; proving costs CPU, so it
needs the bearer token. Every proof served is committed to SQLite (``store.py``) before its
response is sent. CPU work runs in worker processes behind bounded gates (``pool.py``); past
them the node answers 429/503 at once, and a job that runs too long is stopped (503). Open work
(verify, the on-demand ``Verifier.sol``) is limited per client address (``limits.py``, 429 with
``Retry-After``); a request with the bearer token is not. Bad requests get a 4xx with a
one-line ``detail``; error details never show the server's absolute paths.

Endpoints (docs/DESIGN.md): ``GET /v1/circuits``, ``GET /v1/circuits/{id}``,
``GET /v1/circuits/{id}/files/{name}``, ``POST /v1/circuits/{id}/infer``, ``POST /v1/verify``,
``GET /v1/proofs/{hash}``, ``GET /healthz``, ``GET /metrics``; the browser page at ``/``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from .__about__ import __version__
from .errors import CircuitError, EngineError, InputError, ServiceError, UsageError, ZkVerifyError
from .inputs import ezkl_input
from .limits import ClientLimiter, OnceCache, RateLimited
from .manifest import (
    BUNDLE_FORMAT,
    BUNDLE_FORMAT_V1,
    CARD,
    SETTINGS,
    SRS,
    VK,
    CircuitDir,
    Manifest,
    ProofBundle,
)
from .metrics import CONTENT_TYPE, Metrics, MetricsMiddleware
from .pool import Overloaded, WorkerPool, prove_job, verifier_job, verify_job
from .proving import Prover
from .store import ProofStore

log = logging.getLogger("zkverify.service")

MAX_BODY = 1 << 20
VERIFIER_SOL = "Verifier.sol"
# name in the URL -> (file in the circuit dir, media type); Verifier.sol is produced on demand.
PUBLIC_FILES = {CARD: "application/json", VK: "application/octet-stream",
                SETTINGS: "application/json", SRS: "application/octet-stream",
                VERIFIER_SOL: "text/plain; charset=utf-8"}
FILE_KEYS = {"card": CARD, "vk": VK, "settings": SETTINGS, "srs": SRS, "verifier": VERIFIER_SOL}
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Hosted:
    """One circuit this node serves: ``circuit_id`` (sha256 of its card) names it, and so does
    ``name`` (the manifest's, unique on this node); routes accept either."""

    name: str
    cd: CircuitDir
    manifest: Manifest
    hashes: dict[str, str]
    prover: Prover
    circuit_id: str = ""

    def info(self) -> dict[str, Any]:
        m = self.manifest
        base = f"/v1/circuits/{self.circuit_id}/files/"
        return {"id": self.circuit_id, "name": m.name, "circuit_id": self.circuit_id,
                **{k: v for k, v in self.hashes.items() if k != "name"},
                "logrows": m.logrows, "input_shapes": m.input_shapes, "output_shapes": m.output_shapes,
                "inputs": m.inputs, "outputs": m.outputs, "classifier_outputs": m.classifier_outputs,
                "batch_size": m.batch_size,
                "classifier": m.classifier, "visibility": m.visibility, "ezkl_version": m.ezkl_version,
                "files": {key: base + name for key, name in FILE_KEYS.items()}}


def host(paths: Sequence[str | Path]) -> dict[str, Hosted]:
    """Load and check the circuit directories; ids must be unique."""
    hosted: dict[str, Hosted] = {}
    for p in paths:
        cd = CircuitDir(p)
        if cd.card.is_file():
            cd.refuse_sliced()  # one clear line: the service proves single circuits only so far
        if cd.card.is_file() and not (cd.pk.is_file() or cd.compiled.is_file()):
            raise CircuitError(f"{cd.path}: holds only a circuit's public files (card, settings, vk, "
                               "SRS); serve needs the full circuit directory that `zkverify build` "
                               "wrote (pk.key, model.compiled)")
        prover = Prover(p)  # checks every file proving needs, and the input shape
        cd, hashes = prover.cd, prover.cd.check_integrity().circuit_ref()
        cid = prover.manifest.name
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", cid):
            raise CircuitError(f"{cd.manifest_path}: circuit name {cid!r} is not URL-safe")
        if cid in hosted:
            raise CircuitError(f"{cd.path}: circuit id {cid!r} is already hosted from "
                               f"{hosted[cid].cd.path} (rebuild one with another --name)")
        hosted[cid] = Hosted(cid, CircuitDir(cd.path.resolve()), prover.manifest, hashes,
                             prover, prover.card.circuit_id)
    if not hosted:
        raise UsageError("serve needs at least one circuit directory")
    return hosted


def create_app(circuit_dirs: Sequence[str | Path], db_path: str | Path, token: str | None, *,
               max_concurrency: int = 1, max_queue: int = 8, verify_workers: int = 2,
               max_verify_queue: int = 64, queue_timeout: float = 60.0, max_body: int = MAX_BODY,
               web: bool = True, job_timeout: float | None = None, client_limit: int | None = None,
               verifier_retry: float = 60.0, ray_address: str | None = None) -> FastAPI:
    """The FastAPI app; worker processes start with the app (lifespan), not here.

    ``job_timeout``: seconds a running job may take (None: no bound). ``client_limit``:
    unauthenticated work requests per client per minute (None: no limit). ``verifier_retry``:
    seconds a failed ``Verifier.sol`` build is remembered before it is tried again.
    ``ray_address``: prove on Ray actors in that cluster instead of local worker processes.
    """
    hosted = host(circuit_dirs)
    store = ProofStore(db_path)
    metrics = Metrics()
    paths = [str(h.cd.path) for h in hosted.values()]
    prove_pool: WorkerPool
    if ray_address:
        from .raypool import RayPool

        prove_pool = RayPool("prove", max_concurrency, max_queue, queue_timeout, paths,
                             job_timeout, ray_address)
    else:
        prove_pool = WorkerPool("prove", max_concurrency, max_queue, queue_timeout, paths,
                                job_timeout)
    pools = {"prove": prove_pool,
             "verify": WorkerPool("verify", verify_workers, max_verify_queue, queue_timeout, paths,
                                  job_timeout)}
    verifiers: OnceCache[str] = OnceCache(verifier_retry, (HTTPException,))
    limiter = ClientLimiter(client_limit) if client_limit else None

    def limit(request: Request) -> None:
        """Charge open work to the client's address, unless it carries the node's token."""
        if limiter is None or _has_token(request, token):
            return
        limiter.take(request.client.host if request.client else "unknown")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for pool in pools.values():
            await pool.start_async()
        try:
            yield
        finally:
            for pool in pools.values():
                pool.shutdown()
            store.close()

    app = FastAPI(title="zkverify", version=__version__, lifespan=lifespan,
                  description="Verifiable inference: every prediction comes with a zero-knowledge "
                              "proof that anyone can verify.")
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.state.store, app.state.pools, app.state.hosted = store, pools, hosted
    app.state.verifiers = verifiers
    _error_handlers(app, metrics, hosted)

    by_id = {h.circuit_id: h for h in hosted.values()}

    def circuit(cid: str) -> Hosted:
        """A hosted circuit by its id (the card's sha256) or its name."""
        h = by_id.get(cid) or hosted.get(cid)
        if h is None:
            raise HTTPException(404, f"unknown circuit {cid[:80]!r} (this node hosts: "
                                     f"{', '.join(hosted)})")
        return h

    @app.get("/v1/circuits", summary="The circuits this node hosts")
    def list_circuits() -> list[dict[str, Any]]:
        return [h.info() for h in hosted.values()]

    @app.get("/v1/circuits/{cid}", summary="One hosted circuit: hashes, shapes, file URLs")
    def get_circuit(cid: str) -> dict[str, Any]:
        return circuit(cid).info()

    @app.get("/v1/circuits/{cid}/files/{name}", summary="vk.key, settings.json, kzg.srs, Verifier.sol")
    async def get_file(cid: str, name: str, request: Request) -> Response:
        h = circuit(cid)
        if name not in PUBLIC_FILES:
            raise HTTPException(404, f"no public file {name!r}; one of: {', '.join(PUBLIC_FILES)}")
        if name != VERIFIER_SOL:
            return FileResponse(h.cd.file(name), media_type=PUBLIC_FILES[name], filename=name)
        if h.cd.file(VERIFIER_SOL).is_file():
            return FileResponse(h.cd.file(VERIFIER_SOL), media_type=PUBLIC_FILES[name])
        limit(request)

        async def make() -> str:
            try:
                source: str = await pools["verify"].run(verifier_job, str(h.cd.path))
            except ImportError:
                raise HTTPException(404, "no Solidity verifier: this node has no EVM support "
                                         "(zkverify.evm)") from None
            except ZkVerifyError as e:
                if isinstance(e, ServiceError):
                    raise  # overloaded, timed out, a worker died: worth retrying, not remembered
                raise HTTPException(404, f"no Solidity verifier for {h.name!r}: "
                                         f"{public_message(str(e), hosted)}") from None
            return source

        # One build per circuit at a time, kept; a failure is kept for verifier_retry seconds.
        source = await verifiers.get(h.name, make, lambda e: HTTPException(e.status_code, e.detail)
                                     if isinstance(e, HTTPException) else e)
        return PlainTextResponse(source, media_type=PUBLIC_FILES[name])

    @app.post("/v1/circuits/{cid}/infer", summary="Prove one inference (bearer token)",
              openapi_extra=_body_doc("the model input, as `zkverify prove` takes it",
                                      {"type": ["object", "array"]}))
    async def infer(cid: str, request: Request) -> dict[str, Any]:
        h = circuit(cid)
        _authorize(request, token)
        data = await _json_body(request, max_body)
        try:
            feeds = h.prover.request_feeds(data, "input")
        except InputError as e:
            raise HTTPException(422, str(e)) from None
        checked = ({"batch": [ezkl_input(f) for f in feeds]} if h.prover.batch_size
                   else ezkl_input(feeds[0]))
        try:
            bundle_data, seconds = await pools["prove"].run(prove_job, str(h.cd.path), checked)
        except EngineError as e:
            # The circuit loaded and proved at build time, so a failure is this input's (values
            # outside the lookup range the circuit was calibrated for, typically).
            raise HTTPException(422, f"the circuit cannot prove this input: {e}") from None
        bundle = ProofBundle.model_validate(bundle_data)  # made here: always the current format
        proof_hash = bundle.proof_hash()
        await asyncio.to_thread(store.record, proof_hash, h.name, bundle.created_at, bundle_data,
                                bundle.prediction)
        metrics.proofs.labels(h.name).inc()
        metrics.proving.labels(h.name).observe(seconds)
        return {"circuit": h.name, "circuit_id": h.circuit_id, "prediction": bundle.prediction,
                "predictions": bundle.predictions,
                "proof_hash": proof_hash,
                "prove_seconds": round(seconds, 4), "bundle": bundle_data}

    @app.post("/v1/verify", summary="Verify a proof bundle against the hosted circuit it names",
              openapi_extra=_body_doc("a zkverify proof bundle", ProofBundle.model_json_schema()))
    async def verify(request: Request) -> dict[str, Any]:
        limit(request)
        data = await _json_body(request, max_body)
        if not isinstance(data, dict):
            raise HTTPException(422, "request body: not a proof bundle (expected a JSON object)")
        if data.get("format") not in (BUNDLE_FORMAT, BUNDLE_FORMAT_V1):  # format 1 still verifies
            raise HTTPException(422, f"request body: not a zkverify proof bundle (format "
                                     f"{str(data.get('format'))[:40]!r}, expected {BUNDLE_FORMAT!r})")
        h = _match(hosted, data)
        if h is None:
            metrics.verifications.labels("invalid").inc()
            ref_obj = data.get("circuit")
            ref: dict[str, Any] = ref_obj if isinstance(ref_obj, dict) else {}
            return {"valid": False, "field": "circuit", "circuit": None, "proof_hash": None,
                    "prediction": None, "outputs": None, "inputs": None, "seconds": 0.0,
                    "produced_here": False,
                    "reason": f"no circuit hosted here matches the bundle (name "
                              f"{str(ref.get('name'))[:80]!r}, vk {str(ref.get('vk_sha256'))[:12]}…); "
                              f"this node hosts: {', '.join(hosted)}"}
        verdict = await pools["verify"].run(verify_job, str(h.cd.path), data)
        verdict["circuit"] = h.name
        verdict["produced_here"] = (verdict.get("proof_hash") is not None and await asyncio.to_thread(
            store.get, verdict["proof_hash"]) is not None)
        metrics.verifications.labels("valid" if verdict["valid"] else "invalid").inc()
        return verdict

    @app.get("/v1/proofs/{proof_hash}", summary="A proof bundle this node produced")
    async def get_proof(proof_hash: str) -> Response:
        if not _HASH.match(proof_hash):
            raise HTTPException(400, f"{proof_hash[:80]!r} is not a proof hash (64 lowercase hex digits)")
        row = await asyncio.to_thread(store.get, proof_hash)
        if row is None:
            raise HTTPException(404, f"no proof {proof_hash} was produced by this node")
        return JSONResponse(row.bundle, headers={"X-Zkverify-Circuit": row.circuit,
                                                 "X-Zkverify-Recorded-At": row.created_at})

    @app.get("/healthz", summary="Liveness: circuits, database, queues")
    async def healthz() -> dict[str, Any]:
        proofs = await asyncio.to_thread(store.count)
        return {"status": "ok", "version": __version__, "circuits": list(hosted), "proofs": proofs,
                "queues": {n: {"running": p.gate.running, "waiting": p.gate.waiting,
                               "workers": p.gate.limit, "max_queue": p.gate.max_queue,
                               "restarts": p.restarts}
                           for n, p in pools.items()}}

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    def prometheus() -> Response:
        return Response(metrics.render(pools), media_type=CONTENT_TYPE)

    if web:
        _mount_web(app)
    return app


def _match(hosted: dict[str, Hosted], bundle: dict[str, Any]) -> Hosted | None:
    """The hosted circuit the bundle names: by vk hash, else by name (then verify says why not)."""
    ref = bundle.get("circuit")
    if not isinstance(ref, dict):
        return None
    for h in hosted.values():
        if h.hashes["vk_sha256"] == ref.get("vk_sha256"):
            return h
    name = ref.get("name")
    return hosted.get(name) if isinstance(name, str) else None


def _has_token(request: Request, token: str | None) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), (token or "").encode())


# An absolute path: a slash not inside a word or URL, then at least two components.
_ABS_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/:'\"()]+/)+[^\s/:'\"()]*")


def public_message(text: str, hosted: dict[str, Hosted]) -> str:
    """``text`` without the server's absolute paths (they tell an attacker the layout):
    a hosted circuit's directory becomes its id, any other path its last component."""
    for h in hosted.values():
        text = text.replace(str(h.cd.path), h.name)
    return _ABS_PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def _authorize(request: Request, token: str | None) -> None:
    if not token:
        raise HTTPException(403, "inference is disabled on this node (started without "
                                 "ZKVERIFY_TOKEN or --token-file)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise HTTPException(401, "inference needs a bearer token (Authorization: Bearer TOKEN)",
                            headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HTTPException(401, "wrong bearer token", headers={"WWW-Authenticate": "Bearer"})


async def _json_body(request: Request, limit: int) -> Any:
    """The request body as JSON, refusing bodies over ``limit`` bytes before reading them."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HTTPException(400, f"bad Content-Length {declared[:40]!r}")
        if int(declared) > limit:
            raise HTTPException(413, f"request body of {declared} bytes is over the {limit}-byte limit")
    body, size = bytearray(), 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body is over the {limit}-byte limit")
        body += chunk
    if not body.strip():
        raise HTTPException(400, "empty request body, expected JSON")
    try:
        return json.loads(body)
    except json.JSONDecodeError as e:
        raise HTTPException(400, f"request body is not valid JSON ({e.msg} at line {e.lineno}, "
                                 f"column {e.colno})") from None
    except (ValueError, RecursionError) as e:
        # UnicodeDecodeError, integers over Python's digit limit, nesting past the stack.
        raise HTTPException(400, f"request body is not usable JSON ({type(e).__name__})") from None


def _error_handlers(app: FastAPI, metrics: Metrics, hosted: dict[str, Hosted]) -> None:
    """One-line JSON ``detail`` for every failure; tracebacks and paths stay in the server log."""

    @app.exception_handler(RateLimited)
    async def limited(request: Request, e: RateLimited) -> JSONResponse:
        metrics.rejected.labels("client", "429").inc()
        return JSONResponse({"detail": str(e)}, 429, headers={"Retry-After": str(e.retry_after)})

    @app.exception_handler(Overloaded)
    async def overloaded(request: Request, e: Overloaded) -> JSONResponse:
        metrics.rejected.labels(e.pool, str(e.status)).inc()
        return JSONResponse({"detail": str(e)}, e.status, headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        err = e.errors()[0] if e.errors() else {"loc": (), "msg": "invalid request"}
        loc = ".".join(str(x) for x in err.get("loc", ()))
        return JSONResponse({"detail": f"{loc}: {err.get('msg')}"}, 422)

    @app.exception_handler(BrokenProcessPool)
    async def broken(request: Request, e: BrokenProcessPool) -> JSONResponse:
        log.error("a worker process died: %s", e)
        return JSONResponse({"detail": "a worker process died; retry later"}, 503)

    @app.exception_handler(ZkVerifyError)
    async def zk(request: Request, e: ZkVerifyError) -> JSONResponse:
        # Requests are checked before they reach the core, so a core error here is the node's.
        log.error("%s %s: %s", request.method, request.url.path, e)
        status = 503 if isinstance(e, ServiceError) else 500
        return JSONResponse({"detail": public_message(str(e), hosted)}, status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, e: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(e).__name__})"}, 500)


def _body_doc(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": _inline_defs(schema)}}}}


def _inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` inlined (OpenAPI cannot resolve ``#/$defs``)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


def _mount_web(app: FastAPI) -> None:
    """The browser verifier page at ``/``, when zkverify.web and its built assets exist."""
    try:
        from fastapi.staticfiles import StaticFiles

        from .web import static_dir
    except ImportError:
        return
    folder = static_dir()
    if (folder / "index.html").is_file():
        app.mount("/", StaticFiles(directory=folder, html=True), name="web")
