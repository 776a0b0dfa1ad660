"""Option types shared by commands: range-checked numbers, lists, and aliases kept for old scripts.

Every numeric option is range-checked when parsed, so a mistake is a one-line usage error
(exit 2) before any work starts, never a value silently read another way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


class AliasOption(click.Option):
    """An option whose extra spellings (``hidden_aliases``) work but are not shown in --help.

    Used to keep ``--out`` working after the one ``-o/--output`` convention, so users' scripts
    do not break.
    """

    def __init__(self, *args: Any, hidden_aliases: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden_aliases = hidden_aliases

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        return self._shown(super().get_help_record, ctx)

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return self._shown(super().get_error_hint, ctx)

    def _shown(self, method: Any, ctx: click.Context | None) -> Any:
        shown = self.opts
        self.opts = [o for o in shown if o not in self.hidden_aliases]
        try:
            return method(ctx)
        finally:
            self.opts = shown


class Fraction(click.ParamType):
    """A fraction in [0, 1]. ``95`` is refused with a hint (it is not read as 95 %)."""

    name = "FRACTION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            v = value
        else:
            text = str(value).strip()
            try:
                v = float(text[:-1]) / 100 if text.endswith("%") else float(text)
            except ValueError:
                self.fail(f"{value!r} is not a number (a fraction such as 0.95, or 95%)", param, ctx)
        if not 0.0 <= v <= 1.0:
            hint = f" (for {v:g} percent write {v / 100:g} or {v:g}%)" if 1 < v <= 100 else ""
            self.fail(f"{value} is not a fraction between 0 and 1{hint}", param, ctx)
        return v


class IntList(click.ParamType):
    """Comma-separated integers within [min, max], e.g. ``5,6,7``."""

    name = "INTS"

    def __init__(self, min: int = 0, max: int | None = None) -> None:
        self.min, self.max = min, max

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        parts = [p.strip() for p in str(value).split(",")]
        try:
            ints = tuple(int(p) for p in parts)
        except ValueError:
            self.fail(f"{value!r}: expected comma-separated integers like 5,6,7", param, ctx)
        if not ints:
            self.fail("expected at least one integer", param, ctx)
        for i in ints:
            if i < self.min or (self.max is not None and i > self.max):
                upper = f" and {self.max}" if self.max is not None else ""
                bound = f"between {self.min}{upper}" if upper else f">= {self.min}"
                self.fail(f"{value!r}: {i} is out of range (each value must be {bound})", param, ctx)
        return ints


FRACTION = Fraction()
NON_NEGATIVE = click.FloatRange(min=0.0)
# ezkl's circuits need at least a few rows; 2^26 rows is past what the SRS files cover.
LOGROWS = click.IntRange(1, 26)


def output_option(help: str, required: bool = True, dest: str = "out",
                  old_names: tuple[str, ...] = ()) -> Any:
    """``-o/--output``; ``old_names`` (e.g. ``--out``) still work but are not shown."""
    return click.option("-o", "--output", *old_names, dest, cls=AliasOption,
                        hidden_aliases=old_names, required=required,
                        type=click.Path(path_type=Path), help=help)


def max_logrows_option() -> Any:
    return click.option(
        "--max-logrows", "--logrows", "max_logrows", type=LOGROWS,
        help="Largest logrows (log2 of circuit rows) calibration may pick; calibration picks "
             "the smallest that fits, so the result can be lower. With --no-calibrate: the "
             "logrows used. --logrows is an alias.")


def check_circuit_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and (len(value) != 64 or set(value) - set("0123456789abcdef")):
        raise click.BadParameter(f"{value[:80]!r} is not a circuit id (64 lowercase hex digits: "
                                 "the sha256 of the circuit's card.json)")
    return value


def circuit_id_option() -> Any:
    return click.option(
        "--circuit-id", metavar="ID", callback=check_circuit_id,
        help="Accept only this circuit (the sha256 of its card.json): a bundle for any other "
             "circuit is invalid, even with that circuit's own files.")
