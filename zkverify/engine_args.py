"""Parsing ezkl run args given as KEY=VALUE on the command line (no ezkl import here)."""

from __future__ import annotations

import json
from typing import Any

from .errors import UsageError

INT_ARGS = {"input_scale", "param_scale", "scale_rebase_multiplier", "logrows", "num_inner_cols",
            "decomp_base", "decomp_legs"}
STR_ARGS = {"input_visibility", "output_visibility", "param_visibility", "check_mode"}
BOOL_ARGS = {"bounded_log_lookup", "disable_freivalds"}
PAIR_ARGS = {"lookup_range"}


def parse_run_arg(item: str) -> tuple[str, Any]:
    key, sep, value = item.partition("=")
    key = key.strip()
    if not sep:
        raise UsageError(f"--run-arg {item!r}: expected KEY=VALUE")
    try:
        if key in INT_ARGS:
            return key, int(value)
        if key in STR_ARGS:
            return key, value
        if key in BOOL_ARGS:
            return key, value.lower() in ("1", "true", "yes")
        if key in PAIR_ARGS:
            lo, hi = json.loads(value) if value.startswith("[") else value.split(",")
            return key, (int(lo), int(hi))
    except ValueError:
        raise UsageError(f"--run-arg {item!r}: bad value for {key}") from None
    known = sorted(INT_ARGS | STR_ARGS | BOOL_ARGS | PAIR_ARGS)
    raise UsageError(f"--run-arg {item!r}: unknown run arg (known: {', '.join(known)})")
