"""Helpers for the network tests: nodes that misbehave (one that dies mid-request, one that
answers 503, one that forges bundles), announced in the registry like any node."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

from zkverify.manifest import CircuitDir, ProofBundle

from .netutil import free_port
from .service_fixtures import AppServer, tampered

__all__ = ["AppServer", "bundle_json", "dying_node", "fake_node_app"]

PUBLIC = ("card.json", "settings.json", "vk.key", "kzg.srs")


def fake_node_app(mode: str, cd: CircuitDir, bundle: dict[str, Any]) -> FastAPI:
    """A node that looks healthy and serves the circuit's real public files, but on infer
    answers 503 ("busy") or a forged bundle ("forge": one instance changed, its claims made to
    follow, the proof hash recomputed: only the proof check can tell)."""
    app = FastAPI()
    cid = cd.load_card().circuit_id

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "circuits": [cd.load_card().name]}

    @app.get("/v1/circuits/{c}/files/{name}")
    def files(c: str, name: str) -> FileResponse:
        if c != cid or name not in PUBLIC:
            raise HTTPException(404, "no such file")
        return FileResponse(cd.file(name))

    @app.post("/v1/circuits/{c}/infer")
    def infer(c: str) -> dict[str, Any]:
        if mode == "busy":
            raise HTTPException(503, "prove is busy: waited 60s in the queue; retry later")
        forged = tampered(bundle, "instance", cd)
        return {"circuit": "tiny_mlp", "circuit_id": cid, "prediction": forged["outputs"][0]["prediction"],
                "proof_hash": ProofBundle.from_obj(forged).proof_hash(), "bundle": forged}

    return app


# A node process that answers health checks and file downloads, and dies (os._exit) the moment
# an infer request arrives: the client sees the connection drop mid-request.
_DYING = r'''
import http.server, json, os, sys
root, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/healthz":
            body = json.dumps({"status": "ok"}).encode()
        else:
            name = self.path.rsplit("/", 1)[-1]
            path = os.path.join(root, name)
            if name not in ("card.json", "settings.json", "vk.key", "kzg.srs") or not os.path.isfile(path):
                self.send_response(404); self.end_headers(); return
            body = open(path, "rb").read()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        os._exit(1)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
'''


@contextlib.contextmanager
def dying_node(cd: CircuitDir) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", _DYING, str(cd.path), str(port)],
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the dying node did not start")
            time.sleep(0.05)
        yield url, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def bundle_json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))
