"""Local verification of a proof bundle: the circuit's public files, ezkl as the proof check.

The verdict itself is decided in :mod:`zkverify.verdict`; this module loads what a verifier
trusts (``card.json``, ``settings.json``, ``vk.key``, ``kzg.srs``, checked against each other)
and plugs in ezkl's in-process check.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from . import engine
from .errors import BundleError, CircuitError
from .files import read_json
from .manifest import CARD, SETTINGS, SRS, VK, CircuitDir, ProofBundle
from .slicing.card import SlicedPublic, is_sliced, load_sliced_public
from .verdict import (
    SUPPORTED_VISIBILITY,
    CircuitPublic,
    Verdict,
    check_files,
    decide,
    settings_visibility,
)

PUBLIC_FILES = (CARD, SETTINGS, VK, SRS)

__all__ = ["PUBLIC_FILES", "Verdict", "ezkl_check", "load_public", "verify_bundle"]


def load_public(circuit_dir: str | Path | CircuitDir,
                also_visibility: tuple[str, ...] = ()) -> CircuitPublic:
    """The circuit's public files, each checked against the card (a CircuitError if not).

    ``also_visibility``: visibilities accepted besides the supported ones (a polycommit-linked
    slice's ``kzgcommit`` cut tensors, which the sliced verdict checks itself)."""
    cd = circuit_dir if isinstance(circuit_dir, CircuitDir) else CircuitDir(circuit_dir)
    if not cd.path.is_dir():
        raise CircuitError(f"{cd.path}: not a circuit directory (run `zkverify build` first)")
    card = cd.check_integrity()
    if cd.onnx.is_file():  # a full circuit directory: the model must be the card's too
        check_files(card, {"model_sha256": cd.onnx})
    settings = cd.settings_json()
    vis = settings_visibility(settings)
    odd = sorted(v for v in vis.values() if v not in (*SUPPORTED_VISIBILITY, *also_visibility))
    if odd:
        raise CircuitError(f"{cd.settings}: visibility {odd[0]!r} is not supported by this "
                           f"verifier (only {', '.join(SUPPORTED_VISIBILITY)})")
    if vis != card.visibility:
        raise CircuitError(f"{cd.card}: visibility {card.visibility} is not settings.json's {vis}")
    return CircuitPublic(card, settings, cd.settings, cd.vk, cd.srs)


def ezkl_check(proof: dict[str, Any], public: CircuitPublic) -> tuple[bool, str]:
    """ezkl's own verify, in process."""
    with tempfile.TemporaryDirectory(prefix="zkverify-verify-") as tmp:
        path = Path(tmp) / "proof.json"
        path.write_text(json.dumps(proof))
        return engine.verify(path, public.settings_path, public.vk_path, public.srs_path)


def bundle_data(bundle: ProofBundle | dict[str, Any] | str | Path) -> Any:
    """A bundle as parsed JSON: from a ProofBundle, a dict, or a file (BundleError if unreadable)."""
    if isinstance(bundle, ProofBundle):
        return bundle.model_dump(mode="json")
    if isinstance(bundle, str | Path):
        return read_json(Path(bundle), "proof bundle", BundleError)
    return bundle


def verify_bundle(circuit_dir: str | Path | CircuitDir | CircuitPublic | SlicedPublic,
                  bundle: ProofBundle | dict[str, Any] | str | Path, *,
                  require_ceremony_srs: bool = False, circuit_id: str | None = None,
                  min_accuracy: float | None = None, dataset_sha256: str | None = None) -> Verdict:
    """Check that ``bundle`` is a valid proof for this circuit and that its claims match it.

    ``circuit_dir`` holds at least ``card.json``, ``settings.json``, ``vk.key`` and ``kzg.srs``;
    ``bundle`` is a ProofBundle, its JSON as a dict, or a path to it. The Verdict is falsy when
    invalid and reports only proven values. ``circuit_id`` pins the circuit: a bundle for any
    other circuit is invalid, whatever files ``circuit_dir`` holds.
    """
    public: CircuitPublic | SlicedPublic
    if isinstance(circuit_dir, CircuitPublic | SlicedPublic):
        public = circuit_dir
    elif is_sliced(circuit_dir):  # a sliced circuit: the sliced card and every slice's files
        public = load_sliced_public(circuit_dir)
    else:
        public = load_public(circuit_dir)
    try:
        return decide(public, bundle_data(bundle), ezkl_check, checked_by="ezkl",
                      require_ceremony_srs=require_ceremony_srs, circuit_id=circuit_id,
                      min_accuracy=min_accuracy, dataset_sha256=dataset_sha256)
    except BundleError as e:
        if isinstance(bundle, str | Path):
            raise BundleError(f"{bundle}: {e}") from None
        raise
