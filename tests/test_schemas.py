"""docs/schemas/*.json are generated from the models, up to date, and real output validates."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from zkverify.cli import cli
from zkverify.manifest import CircuitDir
from zkverify.schemas import models

from .conftest import TINY_RUN_ARGS

ROOT = Path(__file__).parent.parent
SCHEMAS = ROOT / "docs" / "schemas"


def check(name: str, instance: Any) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


def cli_json(*args: object, code: int = 0) -> Any:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == code, (r.output, r.stderr)
    return json.loads(r.stdout)


def test_committed_schemas_are_up_to_date() -> None:
    p = subprocess.run([sys.executable, "scripts/gen_schemas.py", "--check"], cwd=ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert sorted(p.stem for p in SCHEMAS.glob("*.json")) == sorted(models())


def test_a_schema_rejects_what_the_model_rejects(tiny_bundle_path: Path) -> None:
    bundle = json.loads(tiny_bundle_path.read_text())
    check("proof-bundle", bundle)
    with pytest.raises(jsonschema.ValidationError):
        check("proof-bundle", {**bundle, "trusted": True})
    with pytest.raises(jsonschema.ValidationError):
        check("error", {"error": "x"})


def test_files_validate(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    check("manifest", json.loads(tiny_circuit.manifest_path.read_text()))
    check("proof-bundle", json.loads(tiny_bundle_path.read_text()))
    for spec in sorted((ROOT / "circuits").glob("*.toml")):
        check("spec", tomllib.loads(spec.read_text()))


def test_pipeline_outputs_validate(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                  tmp_path: Path) -> None:
    check("export", cli_json("export", ROOT / "tests/tiny_model.py:tiny_mlp", "--input-shape",
                             "1,4", "-o", tmp_path / "m", "--json"))
    run_args = [f"--run-arg={k}={v}" for k, v in TINY_RUN_ARGS.items()]
    check("build", cli_json("build", tiny_circuit.onnx, "-o", tmp_path / "c", "--no-calibrate",
                            "--name", "tiny_mlp", *run_args, "--json"))
    check("prove", cli_json("prove", tiny_circuit.path, tiny_circuit.input, "-o",
                            tmp_path / "p.json", "--json"))
    check("verify", cli_json("verify", tiny_circuit.path, tiny_bundle_path, "--json"))
    forged = json.loads(tiny_bundle_path.read_text())
    forged["outputs"][0]["prediction"] = 1 - forged["outputs"][0]["prediction"]
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    check("verify", cli_json("verify", tiny_circuit.path, tmp_path / "forged.json", "--json", code=1))
    check("evm-verify", cli_json("evm", "verify", tiny_circuit.path, tiny_bundle_path, "--json"))
    check("card", json.loads(tiny_circuit.card.read_text()))
    batch = tmp_path / "batch.jsonl"
    batch.write_text("[[0.1, 0.2, 0.3, 0.4]]\n[[1, 2]]\n")
    out = cli_json("prove", tiny_circuit.path, batch, "-o", tmp_path / "batch", "--json", code=1)
    check("batch-summary", out)
    check("batch-summary", json.loads((tmp_path / "batch" / "summary.json").read_text()))
    check("error", cli_json("prove", tmp_path / "none", batch, "-o", tmp_path / "x", "--json",
                            code=2))
    check("evm-calldata", cli_json("evm", "calldata", tiny_bundle_path, "--json"))


def test_estimate_output_validates(tiny_circuit: CircuitDir) -> None:
    check("estimate", cli_json("estimate", tiny_circuit.onnx, "--max-logrows", "12", "--json"))


def test_cache_and_doctor_outputs_validate(tiny_circuit: CircuitDir) -> None:
    check("cache-info", cli_json("cache", "info", "--json"))
    check("cache-prune", cli_json("cache", "prune", "--older-than", "36500", "--dry-run", "--json"))
    check("doctor", cli_json("doctor", "--json"))
