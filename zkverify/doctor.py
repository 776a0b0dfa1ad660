"""`zkverify doctor`: what is installed, what is missing and the command that installs it.

The *core* (Python >= 3.11, ezkl, httpx, a writable cache) is what prove (from a built circuit)
and verify need: what ``pip install zkverify`` installs. doctor exits 1 when any of it is missing.
Everything else (the torch extra for export/build, the serve extra, node, solcjs, anvil,
chromium) enables one area and is reported, not required.
Versions are read from package metadata or the tool's ``--version``: nothing heavy is imported.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

from .__about__ import __version__
from .cache_admin import info as cache_info
from .keys import cache_dir


@dataclass(frozen=True)
class Check:
    name: str
    version: str | None
    ok: bool
    core: bool
    needed_for: str
    install: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _requirement(name: str) -> str:
    """zkverify's own pin for ``name`` (e.g. ``torch==2.13.0``), from its metadata."""
    try:
        for req in requires("zkverify") or []:
            spec = req.split(";")[0].strip()
            if re.split(r"[<>=!~\[ ]", spec, maxsplit=1)[0].lower() == name.lower() \
                    and "extra ==" not in req:
                return spec
    except PackageNotFoundError:
        pass
    return name


def _package(name: str, core: bool, needed_for: str, install: str | None = None) -> Check:
    try:
        v: str | None = version(name)
    except PackageNotFoundError:
        v = None
    return Check(name, v, v is not None, core, needed_for,
                 None if v else install or f"pip install '{_requirement(name)}'")


def _tool_version(path: Path | str) -> str | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True,
                             timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"\d+\.\d+[\w.+-]*", out.stdout or out.stderr)
    return m.group(0) if out.returncode == 0 and m else None


def _node_tool(name: str, env_var: str, needed_for: str, install: str) -> Check:
    from .errors import EvmError
    from .solc import find_node_tool

    try:
        path = find_node_tool(name, env_var)
    except EvmError:
        return Check(name, None, False, False, needed_for, install)
    v = _tool_version(path)
    return Check(name, v, v is not None, False, needed_for, None if v else install, str(path))


def _program(names: tuple[str, ...], needed_for: str, install: str) -> Check:
    for n in names:
        found = shutil.which(n)
        if found:
            v = _tool_version(found)
            return Check(names[0], v, v is not None, False, needed_for,
                         None if v else install, found)
    return Check(names[0], None, False, False, needed_for, install)


def checks() -> list[Check]:
    py_ok = sys.version_info >= (3, 11)
    serve, torch = "pip install 'zkverify[serve]'", "pip install 'zkverify[torch]'"
    return [
        Check("zkverify", __version__, True, True, "everything"),
        Check("python", platform.python_version(), py_ok, True, "everything",
              None if py_ok else "install Python 3.11 or newer"),
        _package("ezkl", True, "build, prove, verify"),
        _package("httpx", True, "verify --url, infer"),
        _package("torch", False, "export", torch),
        _package("onnx", False, "build, tune, estimate", torch),
        _package("onnxruntime", False, "export, build (quantization report)", torch),
        _package("pyrevm", False, "evm verify (in-process EVM)"),
        _package("fastapi", False, "serve", serve),
        _package("uvicorn", False, "serve", serve),
        _program(("node", "nodejs"), "solcjs, anvil, the browser verifier",
                 "apt-get install nodejs npm (or https://nodejs.org)"),
        _node_tool("solcjs", "ZKVERIFY_SOLCJS", "evm export, evm verify",
                   "npm ci (at the zkverify repository root; installs solc)"),
        _node_tool("anvil", "ZKVERIFY_ANVIL", "a local node for evm verify --rpc",
                   "npm ci (at the zkverify repository root; installs @foundry-rs/anvil)"),
        _program(("chromium", "chromium-browser"), "the browser verifier's tests",
                 "apt-get install chromium"),
    ]


def srs_files(root: Path) -> list[dict[str, object]]:
    """Cached SRS files and where each came from (a dev SRS is insecure for production)."""
    out: list[dict[str, object]] = []
    d = root / "srs"
    if not d.is_dir() or d.is_symlink():
        return out
    for p in sorted(d.glob("*.srs")):
        m = re.fullmatch(r"(dev|ceremony)-k(\d+)\.srs", p.name)
        if m is None:
            continue
        dev = m.group(1) == "dev"
        out.append({"file": p.name, "logrows": int(m.group(2)), "bytes": p.lstat().st_size,
                    "provenance": "dev" if dev else "ceremony",
                    "note": ("generated locally: fine for development, INSECURE for production"
                             if dev else "the public KZG ceremony SRS")})
    return out


def cache_writable(root: Path) -> bool:
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK)


def report() -> dict[str, object]:
    """Everything doctor prints; ``ok`` is True when the core is usable."""
    found = checks()
    root = cache_dir()
    writable = cache_writable(root)
    ci = cache_info(root)
    core_ok = writable and all(c.ok for c in found if c.core)
    missing = [{"name": c.name, "needed_for": c.needed_for, "install": c.install}
               for c in found if not c.ok]
    if not writable:
        missing.append({"name": "cache", "needed_for": "build",
                        "install": f"make {root} writable or set ZKVERIFY_CACHE_DIR"})
    return {"ok": core_ok, "checks": [c.to_dict() for c in found],
            "cache": {"dir": str(root), "writable": writable, "bytes": ci["total_bytes"],
                      "entries": ci["total_count"]},
            "srs": srs_files(root), "missing": missing}
