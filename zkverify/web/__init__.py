"""The browser verifier: a static page built from ``web/`` (``node web/build.mjs``) and shipped here.

The page verifies proof bundles in WebAssembly (@ezkljs/engine); ``zkverify serve`` mounts
:func:`static_dir` at ``/``, and the same folder works on any static web server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["build_info", "static_dir"]


def static_dir() -> Path:
    """The folder holding the built page (index.html, main.js, the gzipped wasm, build-info.json)."""
    return Path(__file__).resolve().parent / "static"


def build_info() -> dict[str, Any]:
    """What the assets were built from: engine and esbuild versions, the wasm's sha256."""
    data: dict[str, Any] = json.loads((static_dir() / "build-info.json").read_text(encoding="utf-8"))
    return data
