"""Optional extras: which module comes with which extra, and the one error for a missing one.

``pip install zkverify`` is the core: verify (locally, over HTTP, on an EVM), prove from a
built circuit, inspect. Exporting from PyTorch and building from ONNX need the ``torch`` extra;
``serve``, ``ray`` and ``mcp`` are extras too. A stage calls :func:`require` before any work, so a
missing extra is a one-line usage error (exit 2) naming the install command, never a traceback
or a misleading "export failed" from deep inside torch.
"""

from __future__ import annotations

import importlib.util

from .errors import MissingExtraError

# Top-level module of an optional dependency -> the extra that installs it. The core (verify,
# evm verify, prove from a built circuit, inspect, verify --url) imports none of these.
EXTRAS = {
    "torch": "torch", "onnx": "torch", "onnxruntime": "torch", "sklearn": "torch",
    "fastapi": "serve", "starlette": "serve", "uvicorn": "serve", "prometheus_client": "serve",
    "ray": "ray",
    "mcp": "mcp",
    "eth_account": "chain", "eth_abi": "chain", "eth_utils": "chain",
    "hummingbird": "trees", "onnxconverter_common": "trees", "dill": "trees", "psutil": "trees",
}
# hummingbird-ml 0.4.12 declares onnx<=1.16.1, which no resolver can satisfy beside the torch
# extra's onnx (1.23); its torch backend, all zkverify uses, works with onnx 1.23 (measured), so
# the trees extra brings hummingbird's real runtime dependencies and hummingbird itself comes
# without its declared ones.
HUMMINGBIRD = "hummingbird-ml==0.4.12"


def install_command(extra: str) -> str:
    if extra == "trees":
        return f"pip install 'zkverify[trees]' && pip install --no-deps {HUMMINGBIRD}"
    return f"pip install 'zkverify[{extra}]'"


def missing_extra(e: ModuleNotFoundError) -> MissingExtraError | None:
    """The user-facing error for an absent optional dependency, or None for a real bug."""
    root = (e.name or "").split(".")[0]
    extra = EXTRAS.get(root)
    if extra is None:
        return None
    return MissingExtraError(f"this command needs the '{extra}' extra ({root} is not installed): "
                             f"{install_command(extra)}")


def require(*modules: str) -> None:
    """Raise MissingExtraError for the first of ``modules`` that cannot be imported.

    Looks the modules up without importing them (torch takes seconds to import).
    """
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a None entry in sys.modules, a broken parent
            found = False
        if not found:
            err = missing_extra(ModuleNotFoundError(f"No module named {name!r}", name=name))
            assert err is not None, f"{name} is not an optional dependency"
            raise err
