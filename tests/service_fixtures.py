"""Real zkverify servers on 127.0.0.1 for the service tests: in a thread, or as a `zkverify serve`
subprocess (for kill -9), plus ways to tamper with a proof bundle."""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from zkverify.manifest import CircuitDir
from zkverify.service import create_app
from zkverify.verdict import decode, tensor_claims

from .netutil import free_port

TOKEN = "test-token-7f3a9c"


class AppServer:
    """Any ASGI app on uvicorn in a thread, on a socket bound before it starts (no races)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> AppServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(60)
        self.sock.close()


class ThreadServer(AppServer):
    """``create_app(...)`` on uvicorn in a thread."""

    def __init__(self, circuits: list[Path], db: Path, token: str | None = TOKEN, **kw: Any) -> None:
        super().__init__(create_app(circuits, db, token, **kw))

    def __enter__(self) -> ThreadServer:
        super().__enter__()
        return self


class ProcessServer:
    """``zkverify serve`` as a subprocess in its own process group (so kill -9 can be tested)."""

    def __init__(self, circuits: list[Path], db: Path, log: Path, *extra: str,
                 token: str | None = TOKEN, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "ZKVERIFY_TOKEN"}
        if token is not None:
            env["ZKVERIFY_TOKEN"] = token
        self.log = log
        self._log_file = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "zkverify"), "serve", *map(str, circuits), "--db", str(db),
             "--port", str(self.port), *extra],
            stdout=self._log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"zkverify serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("zkverify serve did not come up")

    def kill9(self) -> None:
        """SIGKILL the server process only (its worker processes are cleaned up in stop())."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        # Worker processes left behind by a SIGKILLed server share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log_file.close()


# --- tampering ----------------------------------------------------------------------------

def tampered(bundle: dict[str, Any], how: str, cd: CircuitDir) -> dict[str, Any]:
    """A copy of a valid bundle (JSON data) changed in one way that must make it invalid."""
    b = copy.deepcopy(bundle)
    p = b["proof"]
    if how == "outputs":
        b["outputs"][0]["values"][0] += 0.5
    elif how == "inputs":
        b["inputs"][0]["values"][1] -= 0.25
    elif how == "prediction":
        b["outputs"][0]["prediction"] = 1 - b["outputs"][0]["prediction"]
    elif how in ("instance", "refollow"):
        # The proof now claims another last public output ("refollow": whatever the instances
        # already say), and the bundle's claims follow it: only the proof itself can tell.
        if how == "instance":
            last = int(p["instances"][0][-1][:2], 16)
            p["instances"][0][-1] = f"{(last + 1) % 256:02x}" + p["instances"][0][-1][2:]
        card = cd.load_card()
        proven = decode(card, cd.settings_json(), [f for col in p["instances"] for f in col])
        b["inputs"], b["outputs"] = tensor_claims(card, proven)
    elif how == "proof_bytes":
        p["proof"][40] = (p["proof"][40] + 1) % 256
        hex_proof = bytes(p["proof"]).hex()
        p["hex_proof"] = "0x" + hex_proof
    elif how == "vk_hash":
        b["circuit"]["vk_sha256"] = "0" * 64
    elif how == "truncated_proof":
        p["proof"] = p["proof"][:64]
        p["hex_proof"] = "0x" + bytes(p["proof"]).hex()
    elif how == "garbage_instance":
        p["instances"][0][0] = "not-a-field-element"
    else:
        raise ValueError(how)
    return b


TAMPERINGS = ("outputs", "inputs", "prediction", "instance", "proof_bytes", "vk_hash",
              "truncated_proof", "garbage_instance")
