"""Where to cut an ONNX graph into consecutive slices, and the sub-models on either side.

A cut at position k splits the (topologically sorted) nodes into [0, k) and [k, n). The tensors
that *cross* it are those made before the cut and used after it: they become the outputs of the
slice before and the inputs of the slice after, and their hashes are the link between the two
proofs. A cut is usable only when every crossing tensor is a float tensor of known shape (the
link is a fixed-point tensor), no graph input is used after it and no graph output is made
before it (either would have to pass through a slice untouched). Constants are recomputed on
each side, so they never cross.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError, UsageError

FLOAT_TYPES = {1, 10, 11, 16}  # float32, float16, float64, bfloat16 (onnx.TensorProto)
# Rows per element of a tensor hashed at a cut (ezkl 23's Poseidon, measured: hashing the
# 4x28x28 output of digits28_cnn's first convolution takes 128,578 rows): a cut costs this on
# both sides, so a small crossing tensor is worth a less even split.
HASH_ROWS_PER_ELEMENT = 41
# Rows per element of a tensor committed at a cut (``--link polycommit``): the tensor sits in
# a column of its own, so a commitment adds no rows to the slice's computation (measured on
# digits28_cnn's first cut: 95,256 rows committed against 128,184 public; see docs/DESIGN.md).
POLYCOMMIT_ROWS_PER_ELEMENT = 0
# A rough row count: per output element of any node (rescaling, lookups), and per two
# multiply-accumulates of a Conv, Gemm or MatMul (ezkl lays products on two inner columns;
# measured on digits28_mlp's Gemms: ~0.5 rows per MAC). Only used to balance slices.
ROWS_PER_OUTPUT = 4
MACS_PER_ROW = 2

__all__ = ["Cut", "Graph", "choose_cuts", "cuts_by_max_logrows", "cuts_by_tensors",
           "extract_slices", "load_graph"]


@dataclass(frozen=True)
class Cut:
    """A usable cut: the nodes before it and the tensors that cross it, in production order."""

    position: int
    tensors: tuple[str, ...]
    elements: int = 0  # the crossing tensors' elements: what the link hashes


@dataclass(frozen=True)
class Graph:
    """What cut selection needs of a model: its nodes, weights and usable cuts."""

    path: Path
    node_names: tuple[str, ...]
    op_types: tuple[str, ...]
    weights: tuple[int, ...]  # a rough row count per node, for balance
    produced: dict[str, int]  # tensor -> index of the node that makes it
    cuts: tuple[Cut, ...]

    @property
    def n_nodes(self) -> int:
        return len(self.node_names)

    @property
    def n_computing(self) -> int:
        """Nodes that compute something (a Constant is no slice's work)."""
        return sum(op != "Constant" for op in self.op_types)

    def span(self, a: int, b: int) -> str:
        """A human name for nodes [a, b): 'nodes 3-7 (Gemm ... Relu)'."""
        ops = [op for op in self.op_types[a:b] if op != "Constant"] or ["Constant"]
        return f"nodes {a}-{b - 1} ({ops[0]}{' … ' + ops[-1] if len(ops) > 1 else ''})"


def load_graph(onnx_path: Path) -> Graph:
    import onnx

    model = onnx.load(str(onnx_path))
    with contextlib.suppress(Exception):
        model = onnx.shape_inference.infer_shapes(model)
    g = model.graph
    inits = {i.name: list(i.dims) for i in g.initializer}
    graph_inputs = [i.name for i in g.input if i.name not in inits]
    graph_outputs = {o.name for o in g.output}
    types: dict[str, Any] = {v.name: v.type for v in [*g.value_info, *g.input, *g.output]}
    nodes = list(g.node)
    n = len(nodes)
    consts = {o for nd in nodes if nd.op_type == "Constant" for o in nd.output}
    produced = {o: i for i, nd in enumerate(nodes) for o in nd.output if o}
    last_use: dict[str, int] = {}
    for i, nd in enumerate(nodes):
        for t in nd.input:
            if t:
                last_use[t] = i
    for o in graph_outputs:
        last_use[o] = n

    def elems(name: str) -> int:
        t = types.get(name)
        if t is None or not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
            return 1
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1
                for d in t.tensor_type.shape.dim]
        return math.prod(dims)

    def usable(name: str) -> bool:
        t = types.get(name)
        if t is None or not t.HasField("tensor_type"):
            return False
        tt = t.tensor_type
        return tt.elem_type in FLOAT_TYPES and tt.HasField("shape") and all(
            d.HasField("dim_value") or d.HasField("dim_param") for d in tt.shape.dim)

    def rows(nd: Any) -> int:
        out = sum(elems(o) for o in nd.output)
        w = next((inits[t] for t in nd.input[1:] if len(inits.get(t, [])) >= 2), None)
        macs = 0
        if w is not None and nd.op_type in ("Conv", "Gemm", "MatMul", "ConvTranspose"):
            per_out = math.prod(w) // max(1, w[-1] if nd.op_type == "MatMul" else w[0])
            macs = out * per_out
        return macs // MACS_PER_ROW + ROWS_PER_OUTPUT * out

    weights = tuple(rows(nd) for nd in nodes)
    cuts = []
    for k in range(1, n):
        if all(nd.op_type == "Constant" for nd in nodes[:k]) or all(
                nd.op_type == "Constant" for nd in nodes[k:]):
            continue
        if any(last_use.get(t, -1) >= k for t in graph_inputs):
            continue
        crossing = sorted((t for t, p in produced.items()
                           if p < k and t not in consts and last_use.get(t, -1) >= k),
                          key=lambda t: (produced[t], t))
        if not crossing or any(t in graph_outputs or not usable(t) for t in crossing):
            continue
        cuts.append(Cut(k, tuple(crossing), sum(elems(t) for t in crossing)))
    return Graph(Path(onnx_path), tuple(nd.name or f"#{i}" for i, nd in enumerate(nodes)),
                 tuple(nd.op_type for nd in nodes), weights, produced, tuple(cuts))


def choose_cuts(graph: Graph, n_slices: int, link_rows_per_element: int | None = None
                ) -> list[Cut]:
    """``n_slices - 1`` cuts: fewest crossing tensors first, then the most even slices.

    A dynamic program over the usable cuts minimizes (tensors crossing in all, heaviest slice),
    a slice's weight counting its nodes' rough rows and the link's rows for its cut tensors
    (``link_rows_per_element`` on each side; hashing's by default).
    """
    if n_slices < 1:
        raise UsageError("--slices: expected a positive number of slices")
    if n_slices == 1:
        return []
    if n_slices > graph.n_computing:
        raise UsageError(f"--slices {n_slices}: the graph has only {graph.n_computing} nodes "
                         f"that compute something (at most {graph.n_computing} slices)")
    cands = list(graph.cuts)
    if n_slices - 1 > len(cands):
        raise UsageError(f"--slices {n_slices}: the graph has only {len(cands)} usable cut "
                         f"points (at most {len(cands) + 1} slices)")
    prefix = [0]
    for w in graph.weights:
        prefix.append(prefix[-1] + w)

    per = HASH_ROWS_PER_ELEMENT if link_rows_per_element is None else link_rows_per_element
    hashing = {c.position: per * c.elements for c in graph.cuts}

    def weight(a: int, b: int) -> int:
        return prefix[b] - prefix[a] + hashing.get(a, 0) + hashing.get(b, 0)

    n = graph.n_nodes
    # best[j][c]: (crossing sum, heaviest slice, chosen cuts) with cut c as the j-th cut.
    best: list[dict[int, tuple[int, int, list[Cut]]]] = [{} for _ in range(n_slices - 1)]
    for ci, c in enumerate(cands):
        best[0][ci] = (len(c.tensors), weight(0, c.position), [c])
    for j in range(1, n_slices - 1):
        for ci, c in enumerate(cands):
            options = [(s + len(c.tensors), max(m, weight(cands[pi].position, c.position)),
                        chosen + [c])
                       for pi, (s, m, chosen) in best[j - 1].items() if pi < ci]
            if options:
                best[j][ci] = min(options, key=lambda o: (o[0], o[1]))
    final = [(s, max(m, weight(chosen[-1].position, n)), chosen)
             for s, m, chosen in best[-1].values()]
    return min(final, key=lambda o: (o[0], o[1]))[2]


def cuts_by_tensors(graph: Graph, names: Sequence[str]) -> list[Cut]:
    """The cuts right after the nodes making each named tensor (``--cut TENSOR``)."""
    out = []
    for name in names:
        if name not in graph.produced:
            raise UsageError(f"--cut {name}: no node of the graph makes a tensor of that name")
        pos = graph.produced[name] + 1
        cut = next((c for c in graph.cuts if c.position == pos), None)
        if cut is None:
            raise UsageError(f"--cut {name}: not a usable cut (a graph input or output, a "
                             "non-float tensor or a constant would have to cross it)")
        if name not in cut.tensors:
            raise UsageError(f"--cut {name}: the tensor is not used after the cut")
        out.append(cut)
    positions = [c.position for c in out]
    if sorted(set(positions)) != positions:
        raise UsageError("--cut: give each cut once, in graph order")
    return out


def cuts_by_max_logrows(graph: Graph, max_logrows: int,
                        logrows_of: Callable[[int, int], int]) -> list[Cut]:
    """The fewest cuts keeping each slice at or under ``max_logrows`` (greedy, farthest first).

    ``logrows_of(a, b)`` is ezkl's logrows for the slice starting after cut a and ending at
    cut b (-1 meaning the graph's start or end): gen_settings on the candidate sub-model.
    Slices grow with their span, so from each cut a galloping search (1, 2, 4, ... cuts ahead,
    then a binary search) finds the farthest cut that fits: it probes sub-models about the size
    of a slice, not the rest of the model, which matters when the model is far too big for
    one circuit (digits28_deep: 2.2M rows whole, slices of ~100k).
    """
    cands = list(graph.cuts)
    chosen: list[Cut] = []
    start = -1  # index into cands of the last cut, -1 for the graph's start
    while True:
        fit, step = None, 1
        while True:  # gallop: the first cut ahead that does not fit bounds the search
            j = start + step
            if j >= len(cands):
                if logrows_of(start, -1) <= max_logrows:
                    return chosen
                bad = len(cands)
                break
            if logrows_of(start, j) > max_logrows:
                bad = j
                break
            fit, step = j, step * 2
        lo, hi = (fit if fit is not None else start) + 1, bad - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            if logrows_of(start, mid) <= max_logrows:
                fit, lo = mid, mid + 1
            else:
                hi = mid - 1
        if fit is None:
            a = cands[start].position if start >= 0 else 0
            b = cands[start + 1].position if start + 1 < len(cands) else graph.n_nodes
            raise UsageError(f"--max-logrows {max_logrows}: {graph.span(a, b)} alone need more "
                             f"rows than 2^{max_logrows} (no cut fits; raise --max-logrows)")
        chosen.append(cands[fit])
        start = fit


def extract_slices(onnx_path: Path, inputs: list[str], outputs: list[str], cuts: list[Cut],
                   dest: Path) -> list[Path]:
    """One ONNX model per slice (``onnx.utils.extract_model``), written under ``dest``."""
    bounds = [list(inputs)] + [list(c.tensors) for c in cuts] + [list(outputs)]
    return [extract_one(onnx_path, bounds[i], bounds[i + 1], dest / f"slice{i}.onnx")
            for i in range(len(bounds) - 1)]


def extract_one(onnx_path: Path, inputs: list[str], outputs: list[str], dest: Path) -> Path:
    from onnx.utils import extract_model

    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        extract_model(str(onnx_path), str(dest), inputs, outputs, check_model=True)
    except Exception as e:  # onnx raises plain exceptions of many kinds
        raise ModelError(f"{onnx_path}: cannot extract the slice {inputs} -> {outputs} "
                         f"({str(e).splitlines()[0][:160]})") from None
    return dest
