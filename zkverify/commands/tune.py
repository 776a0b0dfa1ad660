"""`zkverify tune` and `zkverify estimate`: the cheapest accurate circuit, and its cost up front."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..cli import build_options, emit_json, prediction_rule
from ..cli_options import FRACTION, NON_NEGATIVE, IntList, max_logrows_option, output_option


def _config(**kw: Any) -> Any:
    from ..circuit import BuildConfig

    return BuildConfig(**{k: v for k, v in kw.items() if v is not None})


@click.command()
@click.argument("source")
@output_option("Circuit directory to build with the chosen settings.")
@build_options
@click.option("--max-error", type=NON_NEGATIVE, metavar="FLOAT",
              help="Bound on max abs output error on the calibration data (>= 0).")
@click.option("--min-agreement", type=FRACTION,
              help="Bound on argmax agreement with the float model, a fraction 0..1 (0.95 or 95%).")
@click.option("--scales", type=IntList(min=0),
              help="Fixed-point scales to search, non-negative integers like 5,6,7,8 "
                   "(default 2..13).")
@click.option("--prove-top", type=click.IntRange(min=1), default=3, show_default=True,
              help="How many of the best-predicted candidates to really prove and verify.")
@click.option("--batch-size", "batch_size", metavar="B|auto",
              help="Tune a batched circuit of B inferences per proof; `auto` tunes B = 1, 4 and "
                   "16 and keeps the most inferences per second at the accuracy bound.")
def tune(source: str, out: Path, calibration_data: Path | None, input_visibility: str | None,
         output_visibility: str | None, param_visibility: str | None, srs_file: Path | None,
         fetch_srs: bool, name: str | None, classifier_output: tuple[str, ...], regressor: bool,
         as_json: bool, allow_unbound_weights: bool, max_error: float | None,
         min_agreement: float | None, scales: tuple[int, ...] | None,
         prove_top: int, batch_size: str | None) -> None:
    """Search scales, logrows, decomposition and columns for the cheapest accurate circuit."""
    from ..errors import UsageError
    from ..outputs import output_dir
    from ..progress import for_terminal
    from ..tuning import SearchSpace, tune_batch_size
    from ..tuning import tune as run_tune

    fixed_b = None
    if batch_size is not None and batch_size != "auto":
        if not batch_size.isdigit() or not 1 <= int(batch_size) <= 1024:
            raise UsageError(f"--batch-size {batch_size!r}: expected a whole number 1..1024 or auto")
        fixed_b = int(batch_size) if int(batch_size) > 1 else None
    output_dir(out)
    cfg = _config(name=name, input_visibility=input_visibility, output_visibility=output_visibility,
                  param_visibility=param_visibility, calibration_data=calibration_data,
                  srs_file=srs_file, fetch_srs=fetch_srs,
                  allow_unbound_weights=allow_unbound_weights, batch_size=fixed_b,
                  **prediction_rule(classifier_output, regressor))
    space = SearchSpace(prove_top=prove_top)
    if scales is not None:
        space = SearchSpace(scales=scales, prove_top=prove_top)
    tuner = tune_batch_size if batch_size == "auto" else run_tune
    res = tuner(source, out, cfg, max_error, min_agreement, space, for_terminal(as_json))
    if as_json:
        emit_json({"circuit_dir": str(out), "chosen": res.chosen.to_dict(), "bound": res.bound,
                   "seconds": res.seconds, "candidates": [c.to_dict() for c in res.candidates],
                   "batch_size": res.batch_size or fixed_b,
                   "batch_candidates": res.batch_candidates})
        return
    import sys

    from rich.console import Console

    # Wide enough for the table when piped (rich would truncate to 80 columns).
    print_candidates(Console(highlight=False, width=None if sys.stdout.isatty() else 120), res)


def print_candidates(con: Any, res: Any, shown_unproved: int = 5) -> None:
    """Proved candidates, the scale search, and the best few accurate ones not proved."""
    from rich import box
    from rich.table import Table

    from ..estimating import human_bytes

    proved = [c for c in res.candidates if c.prove_seconds is not None or
              c.status.startswith("failed")]
    other = [c for c in res.candidates if c.status != "accurate" and c not in proved]
    waiting = sorted((c for c in res.candidates if c.status == "accurate"),
                     key=lambda c: c.predicted_prove_seconds or 0)
    t = Table(box=box.SIMPLE, pad_edge=False, title="candidates (k = logrows)")
    for col in ("scale", "decomp", "cols", "k", "rows", "predicted", "prove", "pk", "max err",
                "agree", "status"):
        t.add_column(col, justify="left" if col in ("status", "decomp") else "right",
                     no_wrap=True)
    for c in [*sorted(proved, key=lambda c: c.prove_seconds or 1e9), *waiting[:shown_unproved],
              *other]:
        ra = c.run_args
        t.add_row(str(ra["input_scale"]), f"{ra['decomp_base']}^{ra['decomp_legs']}",
                  str(ra["num_inner_cols"]), str(ra.get("logrows", "")), str(c.num_rows),
                  _s(c.predicted_prove_seconds), _s(c.prove_seconds),
                  human_bytes(c.pk_bytes) if c.pk_bytes else "",
                  f"{c.max_abs_error:.3g}" if c.max_abs_error is not None else "",
                  f"{c.argmax_agreement:.2f}" if c.argmax_agreement is not None else "",
                  "[bold green]chosen[/]" if c is res.chosen else c.status)
    con.print(t)
    if len(waiting) > shown_unproved:
        con.print(f"  ({len(waiting) - shown_unproved} more accurate candidates predicted slower, "
                  f"not proved)")
    ch = res.chosen
    con.print(f"chosen: scale {ch.run_args['input_scale']}, logrows {ch.logrows}, decomp "
              f"{ch.run_args['decomp_base']}^{ch.run_args['decomp_legs']}, "
              f"{ch.run_args['num_inner_cols']} inner cols: prove {ch.prove_seconds:.2f}s, pk "
              f"{human_bytes(ch.pk_bytes or 0)} (searched in {res.seconds:.0f}s)")
    for row in res.batch_candidates:
        con.print(f"  batch size {row['batch_size']}: prove {_s(row['prove_seconds'])} at logrows "
                  f"{row['logrows']}, {row['inferences_per_second']:.2f} inferences/s"
                  + ("  [bold green]chosen[/]" if row["batch_size"] == (res.batch_size or 1)
                     else ""))
    if res.build is not None:
        con.print(f"built {res.build.circuit.path}")


def _s(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}s"


@click.command()
@click.argument("source")
@click.option("--calibration-data", type=click.Path(path_type=Path),
              help=".json or .npy samples (batch first) to calibrate on.")
@max_logrows_option()
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
def estimate(source: str, calibration_data: Path | None, max_logrows: int | None,
             as_json: bool) -> None:
    """Predict rows, logrows, pk size, setup/prove time, memory and gas before key setup."""
    from ..estimating import estimate_source, lines

    cfg = _config(calibration_data=calibration_data,
                  run_args={"logrows": max_logrows} if max_logrows else None)
    est, settings = estimate_source(source, cfg)
    chosen = int(settings["run_args"]["logrows"])
    if as_json:
        emit_json({**est.to_dict(), "run_args": settings["run_args"], "max_logrows": max_logrows})
        return
    for line in lines(est, Path(source).stem):
        click.echo(line)
    if max_logrows is not None and chosen < max_logrows:
        click.echo(f"note: calibration chose logrows {chosen}, below --max-logrows {max_logrows} "
                   f"(the smallest circuit that fits)")
