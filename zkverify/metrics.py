"""Prometheus metrics of the HTTP service, in a registry of its own (one per app, so tests and
embedded apps never collide in the global registry)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

PROVE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter("zkverify_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("zkverify_http_request_seconds", "HTTP request latency",
                                 ["route"], registry=r)
        self.proofs = Counter("zkverify_proofs", "Proofs produced and recorded", ["circuit"],
                              registry=r)
        self.proving = Histogram("zkverify_proving_seconds", "Witness + proof time per inference",
                                 ["circuit"], buckets=PROVE_BUCKETS, registry=r)
        self.verifications = Counter("zkverify_verifications", "Bundles verified", ["result"],
                                     registry=r)
        self.rejected = Counter("zkverify_rejected", "Jobs refused because the node is at capacity",
                                ["pool", "status"], registry=r)
        self.queue_waiting = Gauge("zkverify_queue_waiting", "Jobs waiting for a worker", ["pool"],
                                   registry=r)
        self.queue_running = Gauge("zkverify_queue_running", "Jobs running on a worker", ["pool"],
                                   registry=r)
        self.queue_limit = Gauge("zkverify_queue_limit", "Workers, and the queue bound", ["pool", "kind"],
                                 registry=r)

    def render(self, pools: dict[str, Any]) -> bytes:
        for name, pool in pools.items():
            gate = pool.gate
            self.queue_waiting.labels(name).set(gate.waiting)
            self.queue_running.labels(name).set(gate.running)
            self.queue_limit.labels(name, "workers").set(gate.limit)
            self.queue_limit.labels(name, "queue").set(gate.max_queue)
        return bytes(generate_latest(self.registry))


class MetricsMiddleware:
    """Counts every HTTP request by route template (not raw path: bounded label values)."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        t0 = time.perf_counter()

        async def send_status(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None)
            if isinstance(path, str) and (path.startswith("/v1") or path in ("/healthz", "/metrics")):
                label = path
            else:
                label = "static" if route is not None else "other"
            self.metrics.requests.labels(scope.get("method", ""), label, str(status)).inc()
            self.metrics.latency.labels(label).observe(time.perf_counter() - t0)
