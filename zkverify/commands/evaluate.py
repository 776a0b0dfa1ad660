"""`zkverify evaluate`: a circuit whose proofs state a proven accuracy on a data set."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import emit_json
from ..cli_options import max_logrows_option, output_option


@click.command()
@click.argument("source")
@click.option("--data", "data_path", type=click.Path(path_type=Path), required=True,
              help="The samples (.npy, sample axis first): calibration, and the input shape.")
@click.option("--labels", "labels_path", type=click.Path(path_type=Path), required=True,
              help="Their labels (.npy of class indices; 0/1 with --threshold).")
@output_option("Circuit directory to write (replaced only when the build succeeds).")
@click.option("--chunk-size", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="Samples per proof (C): the model runs on C samples per chunk.")
@click.option("--threshold", type=float,
              help="A binary output (one score per sample): predicted 1 when score > T. "
                   "Default: argmax over the class scores.")
@click.option("--param-visibility", type=click.Choice(["fixed", "hashed"]),
              help="How the weights are bound (default fixed: in the verifying key).")
@click.option("--name", help="Circuit name (default: spec name or file stem).")
@click.option("--no-calibrate", is_flag=True, help="Use the run args as given, no calibration.")
@click.option("--run-arg", "run_arg", multiple=True, metavar="KEY=VALUE",
              help="An ezkl run arg, e.g. input_scale=7 (repeatable).")
@max_logrows_option()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def evaluate(source: str, data_path: Path, labels_path: Path, out: Path, chunk_size: int,
             threshold: float | None, param_visibility: str | None, name: str | None,
             no_calibrate: bool, run_arg: tuple[str, ...], max_logrows: int | None,
             as_json: bool) -> None:
    """Build a circuit that proves how many of C samples a model classifies right.

    Prove a data set with `zkverify prove DIR --data X --labels Y -o PROOF` (chunks in
    parallel: --workers, --ray) and check it with `zkverify verify DIR PROOF --min-accuracy A
    --dataset-sha256 H`. The samples and labels are hashed: the proof commits to them without
    revealing them; the count of correct answers is public.
    """
    from ..circuit import BuildConfig
    from ..cli import parse_run_args
    from ..evaluation import build_evaluation
    from ..outputs import output_dir
    from ..progress import for_terminal
    from ..report import print_build

    output_dir(out)
    cfg = BuildConfig(name=name, param_visibility=param_visibility, calibrate=not no_calibrate,
                      run_args={**parse_run_args(run_arg),
                                **({"logrows": max_logrows} if max_logrows else {})})
    res = build_evaluation(source, out, data_path, labels_path, chunk_size, threshold, cfg,
                           for_terminal(as_json))
    if as_json:
        emit_json({"circuit_dir": str(out), "warnings": res.warnings,
                   "manifest": res.manifest.model_dump(mode="json")})
    else:
        from ..cli import console

        print_build(console(), res)
