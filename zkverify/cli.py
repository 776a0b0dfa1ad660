"""The zkverify command line: parse, call a stage, print, pick the exit code. No logic here.

Exit codes: 0 success (or a valid proof), 1 an invalid proof or a failed operation,
2 usage errors, unreadable or malformed files, 3 nothing could be checked because a node,
the EVM or solcjs failed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .__about__ import __version__
from .cli_options import FRACTION, NON_NEGATIVE, circuit_id_option, max_logrows_option, output_option

VISIBILITY = click.Choice(["public", "private", "hashed", "fixed", "polycommit"],
                          case_sensitive=False)


class _Group(click.Group):
    """Runs commands under zkverify's error policy: one line, the documented exit code."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        from .cli_errors import run

        run(super().main, args, prog_name, complete_var=complete_var, **extra)


def _versions(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`--version`: zkverify's, ezkl's and Python's, read from metadata (ezkl is not imported)."""
    if not value or ctx.resilient_parsing:
        return
    import platform
    from importlib.metadata import PackageNotFoundError, version

    try:
        ezkl = version("ezkl")
    except PackageNotFoundError:
        ezkl = "not installed"
    click.echo(f"zkverify {__version__} (ezkl {ezkl}, Python {platform.python_version()})")
    ctx.exit(0)


@click.group("zkverify", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_versions,
              help="Print the versions of zkverify, ezkl and Python, then exit.")
@click.option("--debug", is_flag=True, expose_value=False,
              help="Show the full traceback of an error (or set ZKVERIFY_DEBUG=1).")
def cli() -> None:
    """Prove that a model produced an output; let anyone verify it."""


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, default=str))


def console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


@cli.command()
@click.argument("model")
@click.option("--input-shape", "input_shapes", multiple=True, metavar="SHAPE",
              help="Input shape, positive integers like 1,64 or 1x64 (batch dimension first). "
                   "Repeat for a model with several inputs, in forward's order. An estimator's "
                   "defaults to 1,n_features_in_.")
@click.option("--input-dtype", "input_dtypes", multiple=True,
              type=click.Choice(["float32", "float64", "int32", "int64", "bool"]),
              help="dtype of each input, one per --input-shape (default float32; int64 for "
                   "token ids).")
@click.option("--weights", type=click.Path(path_type=Path), help="A state dict to load.")
@output_option("Directory for network.onnx and input.json.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def export(model: str, input_shapes: tuple[str, ...], input_dtypes: tuple[str, ...],
           weights: Path | None, out: Path, as_json: bool) -> None:
    """Export a model to ONNX, checked against the model itself on random inputs.

    MODEL is a torch module (file.py:factory or package.module:factory), or a fitted
    scikit-learn, XGBoost or LightGBM estimator: a pickle/joblib file (.pkl, .pickle, .joblib)
    or a factory returning one, converted to tensor ops with hummingbird (the trees extra).
    Loading a pickle runs code from it: export only files you trust.
    """
    from .exporting import export_model, parse_shape
    from .outputs import output_dir

    shapes = [parse_shape(s) for s in input_shapes]
    res = export_model(model, shapes or None, output_dir(out), weights, input_dtypes or None)
    info = {"onnx": str(res.onnx_path), "input": str(res.input_path), "framework": res.framework,
            "input_shape": list(res.input_shape), "output_shape": list(res.output_shape),
            "inputs": [{"name": n, "dtype": d, "shape": list(s)} for n, d, s in
                       zip(res.input_names, res.input_dtypes, res.input_shapes, strict=True)],
            "outputs": [{"name": n, "shape": list(s)} for n, s in
                        zip(res.output_names, res.output_shapes, strict=True)],
            "classifier_outputs": list(res.classifier_outputs), "reference": res.reference,
            "max_abs_diff": res.max_abs_diff, "checked_samples": res.checked_samples}
    if as_json:
        emit_json(info)
        return
    shapes_out = ", ".join(f"{n} {list(s)}" for n, s in
                           zip(res.output_names, res.output_shapes, strict=True))
    click.echo(f"wrote {res.onnx_path} (outputs {shapes_out}); onnxruntime vs {res.reference} "
               f"on {res.checked_samples} random inputs: max abs diff {res.max_abs_diff:.2e}")
    if res.classifier_outputs:
        click.echo(f"class scores: build with --classifier {res.classifier_outputs[0]}")


def build_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by `build` and `tune`."""
    for opt in reversed([
        click.option("--calibration-data", type=click.Path(path_type=Path),
                     help=".json or .npy samples (batch first) to calibrate and report on."),
        click.option("--input-visibility", type=VISIBILITY,
                     help="Who sees the input in the proof (default public; hashed: only its "
                          "Poseidon hash; private: nothing)."),
        click.option("--output-visibility", type=VISIBILITY,
                     help="Who sees the output in the proof (default public)."),
        click.option("--param-visibility", type=VISIBILITY,
                     help="How the weights enter the circuit (default fixed: baked into the vk; "
                          "hashed: a public hash of private weights, checked against the card); "
                          "private and polycommit bind no weights."),
        click.option("--allow-unbound-weights", is_flag=True,
                     help="Build with private/polycommit params anyway: proofs then hold for "
                          "any weights, and every verdict says so."),
        click.option("--srs", "srs_file", type=click.Path(path_type=Path),
                     help="A KZG ceremony SRS file (default: a cached, dev-only local SRS)."),
        click.option("--fetch-srs", is_flag=True, help="Download the ceremony SRS (online)."),
        click.option("--name", help="Circuit name (default: spec name or file stem)."),
        click.option("--classifier", "classifier_output", metavar="OUTPUT", multiple=True,
                     help="The output OUTPUT (its ONNX name) holds class scores: its prediction "
                          "is the argmax over the last axis. Repeat for several outputs. Never "
                          "guessed from the output's size."),
        click.option("--regressor", is_flag=True,
                     help="The outputs are values (the default unless a spec says classifier)."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
    ]):
        f = opt(f)
    return f


@cli.command()
@click.argument("source")
@output_option("Circuit directory to write (replaced only when the build succeeds).")
@build_options
@click.option("--target", type=click.Choice(["resources", "accuracy"]),
              help="ezkl calibration target: fewest rows (default) or best accuracy.")
@click.option("--tolerance", type=NON_NEGATIVE, metavar="FLOAT",
              help="Fail (exit 1) when the max abs output error exceeds this (>= 0).")
@click.option("--min-agreement", type=FRACTION,
              help="Fail (exit 1) when argmax agreement with the float model is below this "
                   "fraction (0..1, e.g. 0.95 or 95%).")
@max_logrows_option()
@click.option("--no-calibrate", is_flag=True, help="Use the run args as given, no calibration.")
@click.option("--run-arg", "run_arg", multiple=True, metavar="KEY=VALUE",
              help="An ezkl run arg, e.g. input_scale=7 or decomp_base=32 (repeatable).")
@click.option("--reusable-verifier", is_flag=True,
              help="Set up keys for ezkl's reusable EVM verifier (no selector compression): "
                   "`publish --reusable` then shares one verifier between circuits. Another vk, "
                   "so another circuit id.")
@click.option("--batch-size", type=click.IntRange(1, 1024), metavar="B",
              help="B inferences per proof: a torch source is exported with batch axis B; an "
                   "ONNX source needs a symbolic batch axis (sized through ezkl's variables).")
@click.option("--slices", metavar="N|auto",
              help="Cut the model into N consecutive slices (fewest tensors crossing each cut), "
                   "proved separately and linked (--link); auto: the fewest slices that keep "
                   "each at or under --max-logrows.")
@click.option("--cut", "cuts", multiple=True, metavar="TENSOR",
              help="Cut right after the node making TENSOR (repeatable, in graph order).")
@click.option("--link", type=click.Choice(["hashed", "polycommit"]),
              help="How slices are linked: KZG commitments inside the proofs (polycommit, the "
                   "default: small keys, every slice at one logrows) or Poseidon hashes as public "
                   "instances (hashed: each slice keeps its logrows, larger keys).")
def build(source: str, out: Path, calibration_data: Path | None, input_visibility: str | None,
          output_visibility: str | None, param_visibility: str | None, srs_file: Path | None,
          fetch_srs: bool, name: str | None, classifier_output: tuple[str, ...], regressor: bool,
          as_json: bool, allow_unbound_weights: bool,
          target: str | None, tolerance: float | None, min_agreement: float | None,
          max_logrows: int | None,
          no_calibrate: bool, run_arg: tuple[str, ...], reusable_verifier: bool,
          batch_size: int | None, slices: str | None, cuts: tuple[str, ...],
          link: str | None) -> None:
    """Build a circuit directory from an .onnx file or a circuits/*.toml spec."""
    from .circuit import BuildConfig
    from .circuit import build as run_build
    from .outputs import output_dir
    from .progress import for_terminal
    from .report import print_build

    output_dir(out)
    cfg = BuildConfig(
        name=name, input_visibility=input_visibility, output_visibility=output_visibility,
        param_visibility=param_visibility, calibration_data=calibration_data,
        calibration_target=target, calibrate=not no_calibrate, srs_file=srs_file,
        fetch_srs=fetch_srs, tolerance=tolerance, min_agreement=min_agreement,
        allow_unbound_weights=allow_unbound_weights, reusable_verifier=reusable_verifier,
        batch_size=batch_size,
        run_args={**parse_run_args(run_arg), **({"logrows": max_logrows} if max_logrows else {})},
        **prediction_rule(classifier_output, regressor),
    )
    if link is not None and slices is None and not cuts:
        from .errors import UsageError

        raise UsageError("--link: only with --slices or --cut (it says how slices are linked)")
    if slices is not None or cuts:
        from .slicing.build import build_sliced, parse_slices
        from .slicing.card import DEFAULT_LINK
        from .slicing.report import print_sliced_build

        sres = build_sliced(source, out, cfg, parse_slices(slices), cuts, for_terminal(as_json),
                            link=link or DEFAULT_LINK)
        if as_json:
            emit_json({"circuit_dir": str(out), "warnings": sres.warnings, "cuts": sres.cuts,
                       "manifest": sres.manifest.model_dump(mode="json")})
        else:
            print_sliced_build(console(), sres)
        return
    res = run_build(source, out, cfg, for_terminal(as_json))
    if as_json:
        emit_json({"circuit_dir": str(out), "warnings": res.warnings,
                   "manifest": res.manifest.model_dump(mode="json")})
    else:
        print_build(console(), res)


def prediction_rule(classifier_output: tuple[str, ...] | str | None,
                    regressor: bool) -> dict[str, Any]:
    """BuildConfig fields for --classifier OUTPUT / --regressor (neither: the spec's, else values)."""
    from .errors import UsageError

    names = (classifier_output,) if isinstance(classifier_output, str) else tuple(
        classifier_output or ())
    if names and regressor:
        raise UsageError("--classifier and --regressor: pick one")
    if names:
        return {"classifier": True, "classifier_outputs": names}
    return {"classifier": False} if regressor else {}


def parse_run_args(items: tuple[str, ...]) -> dict[str, Any]:
    from .engine_args import parse_run_arg

    return dict(parse_run_arg(item) for item in items)


@cli.command()
@click.argument("circuit_dir", type=click.Path(path_type=Path))
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path), required=False)
@output_option("Proof bundle file; an existing directory gets INPUT_STEM.proof.json inside "
                   "it. For a batch: the directory of bundles.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Batch or sliced circuit: local worker processes (with --ray: Ray actors, "
                   "default one per CPU).")
@click.option("--ray", "ray_address", metavar="ADDRESS",
              help="Batch or sliced circuit: prove on Ray (`local`, `auto` or a cluster address "
                   "like host:6379).")
@click.option("--data", "data_path", type=click.Path(path_type=Path),
              help="An evaluation circuit (zkverify evaluate): the samples (.npy), proved chunk "
                   "by chunk into one bundle, in place of INPUT.")
@click.option("--labels", "labels_path", type=click.Path(path_type=Path),
              help="The labels (.npy) that go with --data.")
def prove(circuit_dir: Path, input_path: Path | None, out: Path, as_json: bool, workers: int,
          ray_address: str | None, data_path: Path | None, labels_path: Path | None) -> None:
    """Prove one inference (INPUT: .json, .npy or .npz) and write a proof bundle.

    INPUT is ezkl's {"input_data": [...]} (one list per graph input), {"inputs": {NAME: [...]}},
    a list of numbers or an .npy (one-input models), or an .npz by input name. On a batched
    circuit (build --batch-size B), INPUT holds 1 to B inputs (.jsonl, an .npz/.npy with a batch
    axis, or one input) and -o FILE gets one bundle; -o DIR/ packs any number, B per proof. A
    batch (INPUT: .jsonl, one input a line, or an .npy/.npz with a batch axis) writes one bundle
    per input into the directory -o, skips valid bundles already there, and exits 1 if any
    input failed.
    """
    from .batch import is_batch_input
    from .errors import UsageError
    from .outputs import bundle_path, output_dir
    from .progress import for_terminal
    from .proving import Prover

    if data_path is not None or labels_path is not None:
        if data_path is None or labels_path is None or input_path is not None:
            raise UsageError("prove DIR --data X --labels Y -o PROOF (no INPUT with --data)")
        _prove_evaluation(circuit_dir, data_path, labels_path, out, as_json, workers, ray_address)
        return
    if input_path is None:
        raise UsageError("prove needs INPUT (or --data X --labels Y for an evaluation circuit)")
    from .slicing.card import is_sliced

    if is_sliced(circuit_dir):
        _prove_sliced(circuit_dir, input_path, out, as_json, workers, ray_address)
        return
    progress = for_terminal(as_json)
    prover = Prover(circuit_dir)
    to_dir = out.is_dir() or out.suffix != ".json"
    if prover.batch_size and not to_dir and not (workers > 1 or ray_address):
        pass  # a batched circuit: 1 to B inputs (any form) in one bundle, below
    elif (prover.batch_size and to_dir) or is_batch_input(input_path, prover.inputs):
        from .batch import prove_batch

        output_dir(out)
        sys.exit(prove_batch(circuit_dir, input_path, out, workers, ray_address, as_json))
    if workers > 1 or ray_address:
        raise UsageError("--workers and --ray apply to a batch of inputs (.jsonl or batched .npy)")
    out = bundle_path(out, input_path)
    with progress.stage("prove"):
        bundle = prover.prove_file(input_path, out)
    info = {"bundle": str(out), "circuit": bundle.circuit.name, "prediction": bundle.prediction,
            "outputs": bundle.output_values, "proof_hash": bundle.proof_hash(),
            "prove_seconds": round(prover.last_prove_seconds, 3)}
    if bundle.batch is not None:
        info.update(predictions=bundle.predictions, batch=bundle.batch.model_dump())
    if as_json:
        emit_json(info)
    else:
        shown = (f"predictions: {bundle.predictions}" if bundle.batch is not None
                 else f"prediction: {bundle.prediction}")
        click.echo(f"{shown}  (proof bundle {out}, proved in {prover.last_prove_seconds:.2f}s)")



def _prove_sliced(circuit_dir: Path, input_path: Path, out: Path, as_json: bool, workers: int,
                  ray_address: str | None) -> None:
    """`prove` on a sliced circuit: the witness chain, the slices in parallel, one bundle."""
    from .batch import is_batch_input
    from .errors import UsageError
    from .outputs import bundle_path
    from .progress import for_terminal
    from .slicing.prove import SlicedProver

    sliced = SlicedProver(circuit_dir)
    if is_batch_input(input_path, sliced.inputs):
        raise UsageError(f"{circuit_dir}: a sliced circuit; batch proving does not support "
                         "sliced circuits yet (prove one input at a time)")
    out = bundle_path(out, input_path)
    with for_terminal(as_json).stage(f"prove {len(sliced.provers)} slices"):
        b = sliced.prove_file(input_path, out, workers=workers, ray_address=ray_address)
    if as_json:
        emit_json({"bundle": str(out), "circuit": b.circuit.name, "prediction": b.prediction,
                   "outputs": b.output_values, "proof_hash": b.proof_hash(),
                   "slices": len(b.slices), "witness_seconds": round(sliced.witness_seconds, 3),
                   "prove_seconds": round(sliced.prove_wall_seconds, 3),
                   "slice_prove_seconds": [round(x, 3) for x in sliced.slice_seconds]})
    else:
        click.echo(f"prediction: {b.prediction}  (proof bundle {out}, {len(b.slices)} slices "
                   f"proved in {sliced.prove_wall_seconds:.2f}s)")

def _prove_evaluation(circuit_dir: Path, data: Path, labels: Path, out: Path, as_json: bool,
                      workers: int, ray_address: str | None) -> None:
    from .evaluation import prove_evaluation
    from .outputs import bundle_path
    from .progress import for_terminal

    out = bundle_path(out, data)
    with for_terminal(as_json).stage("prove every chunk"):
        b = prove_evaluation(circuit_dir, data, labels, out, workers, ray_address)
    ev = b["evaluation"]
    info = {"bundle": str(out), "circuit": b["circuit"]["name"], **ev}
    if as_json:
        emit_json(info)
    else:
        click.echo(f"accuracy {ev['accuracy']:.4f} ({ev['correct']}/{ev['total']}) in "
                   f"{ev['chunks']} chunk proofs (bundle {out}); data set sha256 "
                   f"{ev['dataset_sha256']}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="[CIRCUIT_DIR] PROOF")
@click.option("--url", help="Ask a zkverify server (it verifies against its hosted circuit).")
@click.option("--require-ceremony-srs", is_flag=True,
              help="Refuse (exit 4) a valid proof whose SRS is not the KZG ceremony's.")
@circuit_id_option()
@click.option("--min-accuracy", type=FRACTION,
              help="An evaluation bundle: refuse (exit 4) a valid proof whose proven accuracy is "
                   "below this fraction (0..1).")
@click.option("--dataset-sha256", metavar="HEX",
              help="An evaluation bundle: the data set it must be (invalid, exit 1, otherwise).")
@click.option("--data", "data_path", type=click.Path(path_type=Path),
              help="An evaluation bundle: recompute the data set's hash from these samples (.npy; "
                   "with --labels; needs the circuit's model.compiled) and require it.")
@click.option("--labels", "labels_path", type=click.Path(path_type=Path),
              help="The labels (.npy) that go with --data.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def verify(paths: tuple[str, ...], url: str | None, require_ceremony_srs: bool,
           circuit_id: str | None, min_accuracy: float | None, dataset_sha256: str | None,
           data_path: Path | None, labels_path: Path | None, as_json: bool) -> None:
    """Verify a proof bundle: exit 0 valid, 1 invalid, 2 usage, 3 node down, 4 refused by policy.

    CIRCUIT_DIR needs card.json, settings.json, vk.key and kzg.srs (a full circuit directory
    works too).
    """
    from .errors import BundleError, UsageError

    if url is None and len(paths) != 2:
        raise UsageError("verify takes CIRCUIT_DIR PROOF (or --url URL PROOF)")
    if url is not None and len(paths) != 1:
        raise UsageError("with --url, verify takes only PROOF")
    if url is not None:
        from .client import verify_remote
        from .manifest import BUNDLE_FORMAT, BUNDLE_FORMAT_V1
        from .verifying import bundle_data

        raw = bundle_data(Path(paths[-1]))
        if not isinstance(raw, dict) or raw.get("format") not in (BUNDLE_FORMAT, BUNDLE_FORMAT_V1):
            raise BundleError(f"{paths[-1]}: not a zkverify proof bundle (expected format "
                              f"{BUNDLE_FORMAT!r})")
        result = verify_remote(url, raw)
        if circuit_id is not None and result.get("circuit_id") != circuit_id:
            result.update(valid=False, field="circuit", prediction=None, outputs=None, inputs=None,
                          reason=f"the node checked circuit {str(result.get('circuit_id'))[:16]}…, "
                                 f"not the pinned --circuit-id {circuit_id[:16]}…")
        if require_ceremony_srs and result.get("valid") and result.get("srs") != "ceremony":
            result["policy"] = (f"--require-ceremony-srs: the node says the circuit's SRS is "
                                f"{result.get('srs')}, not the KZG ceremony's")
        code = (4 if result.get("policy") else 0) if result["valid"] else 1
    else:
        from .verifying import verify_bundle

        if (data_path is None) != (labels_path is None):
            raise UsageError("--data and --labels go together")
        if data_path is not None and labels_path is not None:
            from .evaluation import expected_dataset_sha256

            want = expected_dataset_sha256(Path(paths[0]), data_path, labels_path)
            if dataset_sha256 is not None and dataset_sha256 != want:
                raise UsageError(f"--dataset-sha256 {dataset_sha256[:16]}… is not the hash of "
                                 f"{data_path} and {labels_path} ({want[:16]}…)")
            dataset_sha256 = want
        verdict = verify_bundle(Path(paths[0]), Path(paths[-1]),
                                require_ceremony_srs=require_ceremony_srs, circuit_id=circuit_id,
                                min_accuracy=min_accuracy, dataset_sha256=dataset_sha256)
        result, code = verdict.to_dict(), verdict.exit_code
    if as_json:
        emit_json(result)
    else:
        print_verdict(paths[-1], result)
    sys.exit(code)


def print_verdict(proof: str, result: dict[str, Any]) -> None:
    """The verdict in words: proven values only, the SRS it rests on, what is not bound."""
    srs = result.get("srs") or "unknown"
    if not result["valid"]:
        click.echo(f"invalid: {proof}: {result.get('reason')} (SRS: {srs})")
        return
    from .verdict import proves_text

    click.echo(f"valid: {proof} proves {proves_text(result)} for circuit "
               f"{result.get('circuit')} (SRS: {srs})")
    for warning in result.get("warnings") or []:
        click.echo(f"warning: {warning}", err=True)
    if srs == "local-dev":
        click.echo("warning: the circuit's SRS was generated locally: whoever generated it could "
                   "forge proofs (use a KZG ceremony SRS for real use)", err=True)
    if result.get("policy"):
        click.echo(f"refused: {result['policy']}")


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def inspect(path: Path, as_json: bool) -> None:
    """Summarize a circuit directory or a proof bundle."""
    from .report import inspect_path

    inspect_path(path, console(), as_json)


def _register() -> None:
    """Commands from other areas live in zkverify/commands/; registered here."""
    from .commands import load_all

    for command in load_all():
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="zkverify")
