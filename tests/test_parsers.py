"""Property tests for the two parsers users feed: model inputs and proof bundles."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkverify.errors import BundleError, InputError
from zkverify.inputs import coerce_batch, coerce_feed
from zkverify.manifest import ProofBundle
from zkverify.tensors import Tensor

X = [Tensor("input", "float32", (1, 4))]  # a one-input model's signature, as the tiny models have

finite = st.floats(allow_nan=False, allow_infinity=False, width=32)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4),
    max_leaves=20,
)


@given(st.lists(finite, min_size=4, max_size=4), st.sampled_from(["flat", "nested", "ezkl"]))
def test_valid_inputs_roundtrip(values: list[float], form: str) -> None:
    data: object = {"flat": values, "nested": [values], "ezkl": {"input_data": [values]}}[form]
    (out,) = coerce_feed(data, X)
    assert out.shape == (4,)
    assert np.allclose(out, np.asarray(values, dtype=np.float64))


def test_ezkls_own_input_file_is_accepted(tiny_circuit, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """ezkl's file as ezkl writes it: input_shapes ignored, output_data checked for form only."""
    from zkverify.proving import Prover

    x = [0.25, -0.5, 0.75, 0.0]
    ezkl_file = {"input_data": [x], "input_shapes": [[1, 4]], "output_data": [[0.0, 0.0]]}
    (tmp_path / "in.json").write_text(json.dumps(ezkl_file))
    bundle = Prover(tiny_circuit.path).prove_file(tmp_path / "in.json")
    assert bundle.input_values == [x]
    with pytest.raises(InputError, match="output_data has 2 lists, the model has 1 output"):
        coerce_feed({"input_data": [x], "output_data": [[0.0], [1.0]]}, X, n_outputs=1)


@given(json_values)
def test_any_json_either_parses_to_the_shape_or_raises_input_error(data: object) -> None:
    try:
        feed = coerce_feed(data, X)
    except InputError as e:
        assert str(e).startswith("input: ")
        assert "\n" not in str(e)
    else:
        (out,) = feed
        assert out.shape == (4,) and np.isfinite(out).all()


@given(st.lists(finite, min_size=1, max_size=40))
def test_batch_is_whole_rows_or_error(values: list[float]) -> None:
    try:
        feeds = coerce_batch(values, X)
    except InputError:
        assert len(values) % 4 != 0
    else:
        assert len(feeds) == len(values) // 4
        assert all(len(f) == 1 and f[0].shape == (4,) for f in feeds)


@given(st.lists(finite, min_size=3, max_size=3), st.sampled_from([math.nan, math.inf, -math.inf]))
def test_non_finite_values_are_rejected(values: list[float], bad: float) -> None:
    with pytest.raises(InputError, match="finite"):
        coerce_feed([*values, bad], X)


@settings(max_examples=200)
@given(json_values)
def test_bundle_parser_raises_only_bundle_error(data: object) -> None:
    with pytest.raises(BundleError):
        ProofBundle.from_obj(data, "x.json")


@given(st.dictionaries(st.sampled_from(["circuit", "proof", "ezkl_version", "inputs", "outputs",
                                        "prediction", "extra"]), json_values, max_size=7))
def test_bundle_parser_with_the_right_format_tag(fields: dict) -> None:
    data = {"format": "zkverify.proof-bundle/1", **fields}
    try:
        b = ProofBundle.from_obj(data, "x.json")
    except BundleError as e:
        assert str(e).startswith("x.json: ")
    else:
        assert isinstance(b.proof, dict)
        json.loads(b.to_json())


def test_real_bundle_roundtrips(tiny_bundle: ProofBundle, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tiny_bundle.save(tmp_path / "b.json")
    again = ProofBundle.load(tmp_path / "b.json")
    assert again == tiny_bundle and again.proof_hash() == tiny_bundle.proof_hash()
