"""Helpers for the EVM tests: a real anvil node on a free 127.0.0.1 port, calldata tampering.

Plain functions and context managers (not fixtures), so each test module wraps them in its
own fixtures without conftest.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from zkverify.evm import decode_call, encode_call
from zkverify.solc import find_node_tool
from zkverify.verdict import FIELD_MODULUS

from .netutil import free_port


@dataclass(frozen=True)
class Node:
    url: str
    port: int
    pid: int


def _rpc_ready(url: str) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    req = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=1) as r:
            return "result" in json.loads(r.read())
    except OSError:
        return False


def anvil_binary() -> Path:
    """The native anvil binary npm installed, else the node wrapper in node_modules/.bin."""
    wrapper = find_node_tool("anvil", "ZKVERIFY_ANVIL")
    if "ZKVERIFY_ANVIL" not in os.environ:
        modules = wrapper.resolve().parent.parent  # node_modules/@foundry-rs
        for native in sorted(modules.glob("anvil-*/bin/anvil")):
            if os.access(native, os.X_OK):
                return native
    return wrapper


@contextlib.contextmanager
def anvil(*extra: str, log: Path | None = None) -> Iterator[Node]:
    """Start npm's anvil on 127.0.0.1 on a free port; stop it (and only it) afterwards."""
    binary = anvil_binary()
    port = free_port()
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    # Its own process group: should we have to fall back on the node wrapper, which spawns
    # the real binary, both stop together by the group id of the process we started.
    proc = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", str(port), "--silent", *extra],
        stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _rpc_ready(url):
            if proc.poll() is not None:
                raise RuntimeError(f"anvil exited with {proc.returncode} before listening")
            if time.monotonic() > deadline:
                raise RuntimeError(f"anvil did not answer on {url} within 30 s")
            time.sleep(0.05)
        yield Node(url, port, proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if log:
            out.close()  # type: ignore[union-attr]


def flip_proof_byte(data: bytes, index: int = 100) -> bytes:
    """The same call with one bit of the proof flipped."""
    selector, proof, instances = decode_call(data)
    bad = bytearray(proof)
    bad[index] ^= 1
    return encode_call(selector, bytes(bad), instances)


def change_last_output(data: bytes, delta: int = 1) -> bytes:
    """The same proof claiming a different last public output."""
    selector, proof, instances = decode_call(data)
    instances = list(instances)
    instances[-1] = (instances[-1] + delta) % FIELD_MODULUS
    return encode_call(selector, proof, instances)
