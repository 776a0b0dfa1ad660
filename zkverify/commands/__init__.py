"""Command groups beyond the core pipeline, one module per area.

Each module defines click commands; ``load_all`` imports them lazily-cheaply (modules must
import heavy dependencies inside their command functions, not at the top).
"""

from __future__ import annotations

import importlib

import click

# (module, attribute) of each command to register on the top-level group.
COMMANDS: list[tuple[str, str]] = [
    ("evm", "evm_group"),
    ("serve", "serve"),
    ("serve", "infer"),
    ("tune", "tune"),
    ("tune", "estimate"),
    ("cache", "cache_group"),
    ("doctor", "doctor"),
    ("fetch", "fetch"),
    ("mcp", "mcp"),
    ("registry", "registry_group"),
    ("registry", "publish"),
    ("registry", "audit"),
    ("evaluate", "evaluate"),
]


def load_all() -> list[click.Command]:
    out = []
    for mod, attr in COMMANDS:
        module = importlib.import_module(f"zkverify.commands.{mod}")
        out.append(getattr(module, attr))
    return out
