"""``build --slices``: cut the model, build each slice as a complete circuit, link them by KZG
commitment (``link="polycommit"``, the default) or by hash (``link="hashed"``).

Every slice is built by the ordinary ``build`` stage into ``slices/N`` (settings, calibration,
compile, SRS, keys, quantization report, card), with two differences at each cut (hashed): the slice
before it makes its crossing tensors ``hashed`` outputs and the slice after it takes them as
``hashed`` inputs, so each proof exposes one Poseidon hash per crossing tensor and a verifier
compares them; and the slice after a cut is calibrated with exactly the previous slice's
output scale as its input scale (the hashes are over fixed-point field values, so the two
slices must agree on what those values mean). The first slice's inputs and the last slice's
outputs keep the user's visibility.

Under ``link="polycommit"`` the crossing tensors are ``polycommit`` instead: each proof carries
a KZG commitment to them in its first points, and the verifier compares the bytes. Commitments
compare only under one SRS and one domain, so every slice is then rebuilt at the largest
slice's logrows (with its calibrated run args), and the card records the byte range of each
linked commitment in each slice's proof, read from ezkl's own witness for the sample input.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import engine
from ..card import Card, TensorInfo
from ..circuit import (
    BuildConfig,
    BuildResult,
    _swap_into_place,
    refuse_foreign_dir,
    refuse_unbound_weights,
)
from ..circuit import build as build_one
from ..errors import EngineError, UsageError, ZkVerifyError
from ..extras import require
from ..files import sha256_file
from ..manifest import CARD, ONNX, CircuitDir, Manifest
from ..progress import NullProgress
from ..sources import load_calibration, materialize_onnx, model_modules, plan
from ..tensors import graph_signature, variables_of
from .card import (
    DEFAULT_LINK,
    LINK_HASHED,
    LINK_POLYCOMMIT,
    LINKS,
    Link,
    SlicedCard,
    SliceRef,
    slice_dir,
)
from .commit import Ranges, commitment_ranges, one_logrows
from .cuts import (
    POLYCOMMIT_ROWS_PER_ELEMENT,
    Cut,
    Graph,
    choose_cuts,
    cuts_by_max_logrows,
    cuts_by_tensors,
    extract_one,
    extract_slices,
    load_graph,
)

__all__ = ["SlicedBuildResult", "build_sliced", "parse_link", "parse_slices"]


@dataclass(frozen=True)
class SlicedBuildResult:
    circuit: CircuitDir
    manifest: Manifest
    card: SlicedCard
    slices: list[BuildResult]
    cuts: list[list[str]]
    warnings: list[str]


def parse_slices(value: str | int | None) -> int | str | None:
    """``--slices N`` (a positive integer) or ``--slices auto`` (with ``--max-logrows K``)."""
    if value is None or isinstance(value, int):
        return value
    if value.strip().lower() == "auto":
        return "auto"
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"--slices {value}: expected a number of slices or 'auto'") from None
    if n < 1:
        raise UsageError(f"--slices {value}: expected a positive number of slices")
    return n


def parse_link(value: str | None) -> Link:
    """``--link hashed|polycommit`` (default polycommit)."""
    v = (value or DEFAULT_LINK).strip().lower()
    if v == LINK_HASHED:
        return LINK_HASHED
    if v == LINK_POLYCOMMIT:
        return LINK_POLYCOMMIT
    raise UsageError(f"--link {value}: expected one of {', '.join(LINKS)}")


def build_sliced(source: str | Path, out_dir: str | Path, config: BuildConfig | None = None,
                 slices: int | str | None = None, cuts: tuple[str, ...] = (),
                 progress: NullProgress | None = None, link: str = DEFAULT_LINK
                 ) -> SlicedBuildResult:
    """Build a sliced circuit directory (see the module docstring); atomic like ``build``."""
    progress = progress or NullProgress()
    link = parse_link(link)
    p = plan(source, config or BuildConfig())
    c = p.config
    require(*model_modules(p), "onnxruntime")
    refuse_unbound_weights(c)
    if c.batch_size:
        raise UsageError("--batch-size with --slices: a sliced circuit proves one inference at a "
                         "time so far")
    out = Path(out_dir)
    refuse_foreign_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".building", dir=out.parent))
    warn: list[str] = []
    try:
        whole = stage / ONNX
        with progress.stage("check model"):
            p, inputs = materialize_onnx(p, whole)
        _, outputs = graph_signature(whole, variables_of(c.run_args))
        graph = load_graph(whole)
        parts = stage / ".parts"
        with progress.stage("choose cuts"):
            chosen = _choose(graph, c, slices, cuts, [t.name for t in inputs],
                             [t.name for t in outputs], parts, link)
        if not chosen:
            raise UsageError("--slices: one slice is the whole model; build it without --slices")
        models = extract_slices(whole, [t.name for t in inputs], [t.name for t in outputs],
                                chosen, parts)
        samples = load_calibration(p, inputs, warn)
        n = len(models)
        results: list[BuildResult] = []
        configs: list[BuildConfig] = []
        cal = parts / "calibration0.jsonl"
        _write_samples(cal, [t.name for t in inputs], samples)
        for i, model in enumerate(models):
            cfg = _slice_config(c, i, n, cal, results, link)
            configs.append(cfg)
            with progress.stage(f"slice {i + 1}/{n}"):
                try:
                    res = build_one(model, slice_dir(stage, i), cfg)
                except ZkVerifyError as e:
                    span = _span(graph, chosen, i)
                    raise type(e)(f"slice {i} of {n} ({span}): "
                                  f"{str(e).replace(str(model) + ': ', '')}") from None
            results.append(res)
            warn.extend(w if "SRS" in w else f"slice {i}: {w}" for w in res.warnings)
            if i < n - 1:
                nxt = parts / f"calibration{i + 1}.jsonl"
                _forward_samples(model, cal, nxt)
                cal = nxt
        ranges: list[Ranges] = [(None, None)] * n
        if link == LINK_POLYCOMMIT:
            results = one_logrows(models, configs, results, stage,
                                  lambda i: _span(graph, chosen, i), progress)
            ranges = commitment_ranges(results)
        _check_scales(results)
        card = _make_card(p.name, whole, c, inputs, outputs, results, chosen, link, ranges)
        card.save(stage / CARD)
        manifest = _make_manifest(p, whole, card, results, chosen, progress)
        CircuitDir(stage).save_manifest(manifest)
        shutil.rmtree(parts, ignore_errors=True)
        _swap_into_place(stage, out)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    final = [replace(r, circuit=CircuitDir(slice_dir(out, i))) for i, r in enumerate(results)]
    return SlicedBuildResult(CircuitDir(out), manifest, card, final,
                             [list(x.tensors) for x in chosen], list(dict.fromkeys(warn)))


def _choose(graph: Graph, c: BuildConfig, slices: int | str | None, cut_names: tuple[str, ...],
            inputs: list[str], outputs: list[str], parts: Path, link: Link) -> list[Cut]:
    if cut_names:
        chosen = cuts_by_tensors(graph, cut_names)
        if isinstance(slices, int) and slices != len(chosen) + 1:
            raise UsageError(f"--slices {slices} with {len(chosen)} --cut: that makes "
                             f"{len(chosen) + 1} slices")
        return chosen
    if slices == "auto":
        k = c.run_args.get("logrows")
        if k is None:
            raise UsageError("--slices auto needs --max-logrows K (the largest slice allowed)")
        return cuts_by_max_logrows(graph, int(k), _probe(graph, c, inputs, outputs, parts, link))
    if slices is None:
        raise UsageError("--slices N, --slices auto or --cut TENSOR: say how to slice")
    return choose_cuts(graph, int(slices), POLYCOMMIT_ROWS_PER_ELEMENT
                       if link == LINK_POLYCOMMIT else None)


def _probe(graph: Graph, c: BuildConfig, inputs: list[str], outputs: list[str], parts: Path,
           link: Link = LINK_HASHED) -> Any:
    """logrows_of(a, b) for cuts_by_max_logrows: gen_settings on the candidate sub-model."""
    cands = graph.cuts
    seen: dict[tuple[int, int], int] = {}
    run_args = {k: v for k, v in c.run_args.items() if k != "logrows"}

    def logrows_of(a: int, b: int) -> int:
        if (a, b) not in seen:
            ins = inputs if a < 0 else list(cands[a].tensors)
            outs = outputs if b < 0 else list(cands[b].tensors)
            model = extract_one(graph.path, ins, outs, parts / "probe.onnx")
            vis = {"input_visibility": c.input_visibility or "public" if a < 0 else link,
                   "output_visibility": c.output_visibility or "public" if b < 0 else link,
                   "param_visibility": c.param_visibility or "fixed"}
            settings = parts / "probe.settings.json"
            engine.gen_settings(model, settings, **{**vis, **run_args})
            s = json.loads(settings.read_text())
            rows = int(s.get("num_rows") or 0) + int(s.get("num_blinding_factors") or 5) + 1
            seen[(a, b)] = max(1, math.ceil(math.log2(max(2, rows))))
        return seen[(a, b)]

    return logrows_of


def _span(graph: Graph, chosen: list[Cut], i: int) -> str:
    bounds = [0] + [x.position for x in chosen] + [graph.n_nodes]
    return graph.span(bounds[i], bounds[i + 1])


def _slice_config(c: BuildConfig, i: int, n: int, cal: Path,
                  done: list[BuildResult], link: Link = LINK_HASHED) -> BuildConfig:
    first, last = i == 0, i == n - 1
    run_args = dict(c.run_args)
    scales = c.calibration_scales  # the first slice: what the caller allowed
    if not first:
        prev = done[-1].circuit.settings_json()
        out_scales = sorted(set(int(s) for s in prev.get("model_output_scales") or []))
        if len(out_scales) != 1:
            raise UsageError(f"slice {i - 1} makes its outputs at the scales {out_scales}; ezkl "
                             f"gives all inputs of slice {i} one scale: cut elsewhere (--cut)")
        run_args["input_scale"] = out_scales[0]
        scales = (out_scales[0],)
    return replace(
        c,
        name=f"{c.name or 'model'}.slice{i}",
        input_visibility=c.input_visibility if first else link,
        output_visibility=c.output_visibility if last else link,
        calibration_data=cal,
        input_shape=c.input_shape if first else None,
        classifier=c.classifier if last else False,
        classifier_output=c.classifier_output if last else None,
        classifier_outputs=c.classifier_outputs if last else (),
        tolerance=c.tolerance if last else None,
        min_agreement=c.min_agreement if last else None,
        run_args=run_args,
        calibration_scales=scales,
        calibration_rebase=None if last else (1,),
    )


def _write_samples(path: Path, names: list[str], samples: list[Any]) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"inputs": {n: np.asarray(v).reshape(-1).tolist()
                                    for n, v in zip(names, feed, strict=True)}})
             for feed in samples]
    path.write_text("\n".join(lines) + "\n")


def _forward_samples(model: Path, src: Path, dest: Path) -> None:
    """The float outputs of a slice on its calibration samples: the next slice's samples."""
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    ins = sess.get_inputs()
    rows = []
    prev = [json.loads(line) for line in src.read_text().splitlines() if line.strip()]
    for row in prev:
        feed = {}
        for i in ins:
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]
            dtype = np.float32 if "float" in i.type else np.int64
            feed[i.name] = np.asarray(row["inputs"][i.name], dtype=dtype).reshape(shape)
        outs = sess.run(None, feed)
        rows.append([np.asarray(o) for o in outs])
    _write_samples(dest, [o.name for o in sess.get_outputs()], rows)


def _check_scales(results: list[BuildResult]) -> None:
    """Each link joins equal scales (what calibration was told to keep; checked, not assumed)."""
    for i in range(len(results) - 1):
        a = results[i].circuit.settings_json().get("model_output_scales")
        b = results[i + 1].circuit.settings_json().get("model_input_scales")
        if a != b:
            raise EngineError(f"slice {i + 1}: ezkl calibrated its input scales to {b}, not slice "
                              f"{i}'s output scales {a}: the link would not hold")


def _make_card(name: str, whole: Path, c: BuildConfig, inputs: Any, outputs: Any,
               results: list[BuildResult], chosen: list[Cut], link: Link = LINK_HASHED,
               ranges: list[Ranges] | None = None
               ) -> SlicedCard:
    cards = [Card.load(r.circuit.card) for r in results]
    bounds = [[t.name for t in inputs]] + [list(x.tensors) for x in chosen] + [
        [t.name for t in outputs]]
    first, last = cards[0], cards[-1]
    return SlicedCard(
        name=name, ezkl_version=engine.ezkl_version(), model_sha256=sha256_file(whole),
        visibility={"input": first.visibility["input"], "output": last.visibility["output"],
                    "param": first.visibility["param"]},
        inputs=[TensorInfo(**t.model_dump()) for t in first.inputs],
        outputs=[TensorInfo(**t.model_dump()) for t in last.outputs],
        link=link,
        slices=[SliceRef(id=cd.circuit_id, inputs=bounds[i], outputs=bounds[i + 1],
                         input_commitments=(ranges or [])[i][0] if ranges else None,
                         output_commitments=(ranges or [])[i][1] if ranges else None)
                for i, cd in enumerate(cards)],
    )


def _make_manifest(p: Any, whole: Path, card: SlicedCard, results: list[BuildResult],
                   chosen: list[Cut], progress: NullProgress) -> Manifest:
    ms = [r.manifest for r in results]
    return Manifest.model_validate(dict(
        name=p.name, ezkl_version=engine.ezkl_version(), source=dict(p.source),
        logrows=max(m.logrows for m in ms), num_rows=sum(m.num_rows or 0 for m in ms),
        visibility=card.visibility,
        input_shapes=ms[0].input_shapes, output_shapes=ms[-1].output_shapes,
        inputs=ms[0].inputs, outputs=ms[-1].outputs, classifier=ms[-1].classifier,
        classifier_outputs=ms[-1].classifier_outputs,
        artifacts={ONNX: card.model_sha256}, srs={"source": ms[0].srs.get("source")},
        keys={"pk_bytes": sum(int(m.keys.get("pk_bytes") or 0) for m in ms)},
        quantization=ms[-1].quantization, timings=dict(progress.timings),
        # Manifest keeps extra keys: what makes this directory sliced.
        kind="sliced", link=card.link, cuts=[list(x.tensors) for x in chosen],
        slices=[{"dir": f"slices/{i}", "id": ref.id, "inputs": ref.inputs,
                 "outputs": ref.outputs, "logrows": m.logrows, "num_rows": m.num_rows,
                 "pk_bytes": m.keys.get("pk_bytes"), "run_args": {
                     k: m.run_args.get(k) for k in ("input_scale", "param_scale",
                                                    "input_visibility", "output_visibility")}}
                for i, (ref, m) in enumerate(zip(card.slices, ms, strict=True))],
    ))
