"""Solidity compilation through npm's ``solc`` package (solcjs), cached by source hash.

Why solcjs: it is a WebAssembly build pinned in ``package.json`` and installed by ``npm ci``,
so nothing is downloaded at run time (ezkl's own path fetches a native solc through svm, which
needs the network and writes under ``$HOME``). The ezkl verifier compiles with the optimizer
on and ``viaIR`` off (viaIR fails with "stack too deep"); the EVM version is always explicit so
the bytecode does not change when solc's default does.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import cache
from .cache import cache_root
from .errors import EvmError
from .files import sha256_bytes, write_bytes_atomic

EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200
# Bumped when the cached JSON layout changes, so an old cache entry is never misread.
_CACHE_LAYOUT = 1
_REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Contract:
    """One compiled contract: its ABI and creation/runtime bytecode."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    runtime: bytes
    method_ids: dict[str, str]

    @property
    def runtime_size(self) -> int:
        return len(self.runtime)

    def selector(self, signature: str) -> bytes:
        """Four-byte selector of ``signature``, e.g. ``verifyProof(bytes,uint256[])``."""
        try:
            return bytes.fromhex(self.method_ids[signature])
        except KeyError:
            raise EvmError(f"contract {self.name} has no function {signature}") from None


def cache_dir() -> Path:
    """Where compiled bytecode is cached: ``$ZKVERIFY_CACHE_DIR/solc`` or the user cache dir."""
    return cache_root() / "solc"


def find_node_tool(name: str, env_var: str) -> Path:
    """Locate an npm-installed tool (``solcjs``, ``anvil``): the env var, else the project's own.

    The project's own is ``node_modules/.bin`` beside the zkverify package (the repository
    checkout where ``npm ci`` pinned it). Never the current directory's ``node_modules`` nor
    ``$PATH``: run inside an untrusted checkout, either would execute that checkout's script,
    which could emit an always-true "verifier" that would then be cached and deployed.
    """
    override = os.environ.get(env_var)
    if override:
        p = Path(override)
        if not p.is_file():
            raise EvmError(f"{env_var}={override}: no such file")
        return p
    p = _REPO_ROOT / "node_modules" / ".bin" / name
    if p.is_file():
        return p
    raise EvmError(
        f"{name} not found in {_REPO_ROOT / 'node_modules' / '.bin'}: run `npm ci` at the "
        f"zkverify repository root, or name one with {env_var}=PATH"
    )


def solc_version(solcjs: Path) -> str:
    """Version of the solc npm package behind ``solcjs``, read from its package.json."""
    pkg = solcjs.resolve().parent / "package.json"
    try:
        return str(json.loads(pkg.read_text())["version"])
    except (OSError, ValueError, KeyError):
        out = _run([str(solcjs), "--version"], stdin_path=None, timeout=60)
        return out.strip().splitlines()[-1]


def standard_input(
    sources: dict[str, str], evm_version: str = EVM_VERSION, runs: int = OPTIMIZER_RUNS
) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sorted(sources.items())},
        "settings": {
            "optimizer": {"enabled": True, "runs": runs},
            "viaIR": False,
            "evmVersion": evm_version,
            "outputSelection": {
                "*": {
                    "*": [
                        "abi",
                        "evm.bytecode.object",
                        "evm.deployedBytecode.object",
                        "evm.methodIdentifiers",
                    ]
                }
            },
        },
    }


def compile_sources(
    sources: dict[str, str],
    evm_version: str = EVM_VERSION,
    runs: int = OPTIMIZER_RUNS,
    use_cache: bool = True,
) -> dict[str, Contract]:
    """Compile Solidity ``{file name: source}``; return ``{contract name: Contract}``.

    The result is cached under :func:`cache_dir` by the sha256 of the compiler version and
    the full standard-JSON input, so the same verifier is compiled once per machine. The
    entry's own hash is recorded beside it and checked before use: swapped bytecode is
    recompiled, never deployed.
    """
    solcjs = find_node_tool("solcjs", "ZKVERIFY_SOLCJS")
    std_in = standard_input(sources, evm_version, runs)
    key_src = json.dumps(
        {"layout": _CACHE_LAYOUT, "solc": solc_version(solcjs), "input": std_in}, sort_keys=True
    )
    entry = cache.cache_path("solc", f"{sha256_bytes(key_src.encode())}.json")
    if use_cache:
        hit = _cached(entry)
        if hit is not None:
            return hit
    output = _compile(solcjs, std_in)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        first = errors[0].get("formattedMessage") or errors[0].get("message", "")
        raise EvmError(f"Solidity compilation failed: {first.strip().splitlines()[0]}")
    contracts = _contracts(output)
    if use_cache:
        # A read-only cache only costs a recompile next time.
        with contextlib.suppress(OSError):
            data = (json.dumps({"contracts": output["contracts"]}) + "\n").encode()
            write_bytes_atomic(entry, data)
            cache.record(entry, sha256_bytes(data))
    return contracts


def _cached(entry: Path) -> dict[str, Contract] | None:
    """The cached contracts when the entry matches its recorded hash; None means recompile."""
    want = cache.recorded(entry)
    if want is None:
        return None
    try:
        data = entry.read_bytes()
        if sha256_bytes(data) != want:  # hash the very bytes we parse, not the path
            return None
        return _contracts(json.loads(data))
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache entry is recompiled and overwritten


def _compile(solcjs: Path, std_in: dict[str, Any]) -> dict[str, Any]:
    # Files, not pipes, on both ends: solcjs reads stdin with a blocking readFileSync(0), which
    # fails with EAGAIN on a pipe, and node's pipe writes are asynchronous, which loses part of
    # a large output (a >24 KiB contract's JSON came back with its middle missing).
    with tempfile.TemporaryDirectory(prefix="zkverify-solc-") as tmp:
        in_path, out_path = Path(tmp) / "input.json", Path(tmp) / "output.json"
        in_path.write_text(json.dumps(std_in))
        _run([str(solcjs), "--standard-json"], stdin_path=in_path, stdout_path=out_path,
             timeout=600)
        out = out_path.read_text()
    # solcjs may print a banner (">>> Cannot retry compilation with SMT ...") before the JSON.
    start = out.find("{")
    try:
        result: dict[str, Any] = json.loads(out[start:]) if start >= 0 else {}
    except ValueError:
        result = {}
    if not result:
        raise EvmError(f"solcjs returned no JSON output: {out.strip()[:200]!r}")
    return result


def _run(cmd: list[str], stdin_path: Path | None, timeout: float,
         stdout_path: Path | None = None) -> str:
    """Run a node tool with files for stdin/stdout; return stdout (empty when it went to a file)."""
    try:
        with open(stdin_path or os.devnull, "rb") as stdin, \
                open(stdout_path or os.devnull, "wb") as stdout_file:
            proc = subprocess.run(
                cmd, stdin=stdin, stdout=stdout_file if stdout_path else subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, timeout=timeout, check=False,
            )
    except FileNotFoundError:
        raise EvmError(f"{cmd[0]}: cannot run (is node installed?)") from None
    except subprocess.TimeoutExpired:
        raise EvmError(f"{cmd[0]}: timed out after {timeout:.0f} s") from None
    stdout = proc.stdout or ""
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or stdout.strip()).splitlines()
        raise EvmError(f"{cmd[0]} failed: {tail[-1] if tail else f'exit {proc.returncode}'}")
    return stdout


def _contracts(output: dict[str, Any]) -> dict[str, Contract]:
    found: dict[str, Contract] = {}
    for per_file in output["contracts"].values():
        for name, c in per_file.items():
            evm = c["evm"]
            found[name] = Contract(
                name=name,
                abi=c["abi"],
                bytecode=bytes.fromhex(evm["bytecode"]["object"]),
                runtime=bytes.fromhex(evm["deployedBytecode"]["object"]),
                method_ids=dict(evm.get("methodIdentifiers", {})),
            )
    return found
