"""`zkverify evm`: the Solidity verifier, calldata, and verification on an EVM.

Exit codes of `evm verify`: 0 valid, 1 invalid (a revert counts as invalid), 2 usage (bad
arguments, unreadable or malformed files, a circuit directory without keys), 3 the EVM or the
node failed so nothing was verified (solcjs missing, node down, deployment refused).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from ..cli_options import circuit_id_option, output_option
from ..errors import BundleError, EvmError, UsageError, ZkVerifyError

EXIT_VALID, EXIT_INVALID, EXIT_USAGE, EXIT_EVM = 0, 1, 2, 3


def _fail(message: str, code: int) -> NoReturn:
    from ..cli_errors import fail

    fail(message, code)  # one line; under --json also {"error", "exit_code"} on stdout


@contextmanager
def _errors() -> Iterator[None]:
    """One-line messages and documented exit codes instead of tracebacks."""
    try:
        yield
    except UsageError as e:
        _fail(str(e), EXIT_USAGE)
    except EvmError as e:
        _fail(str(e), EXIT_EVM)
    except ZkVerifyError as e:
        _fail(str(e), EXIT_EVM if e.exit_code == 1 else e.exit_code)


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2))


@click.group("evm")
def evm_group() -> None:
    """Solidity verifier, calldata and on-chain verification (solcjs, pyrevm, any node)."""


@evm_group.command("export")
@click.argument("circuit_dir", type=click.Path(path_type=Path))
@output_option("Directory for Verifier.sol, its ABI and bytecode.", dest="out_dir",
               old_names=("--out",))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def export_cmd(circuit_dir: Path, out_dir: Path, as_json: bool) -> None:
    """Write the Solidity verifier, its ABI JSON and compiled bytecode to OUT_DIR."""
    from ..evm import EIP170_LIMIT, export_verifier
    from ..manifest import CircuitDir
    from ..outputs import output_dir
    from ..progress import for_terminal

    progress = for_terminal(as_json)
    with _errors():
        output_dir(out_dir)
    from ..slicing.card import is_sliced

    if is_sliced(circuit_dir):
        _export_sliced(circuit_dir, out_dir, as_json, progress)
        return
    with _errors(), progress.stage("writing and compiling the Solidity verifier"):
        result = export_verifier(CircuitDir(circuit_dir), out_dir)
    if as_json:
        _dump({
            "out_dir": str(result.out_dir),
            "files": {k: str(v) for k, v in result.files.items()},
            "runtime_size": result.runtime_size,
            "bytecode_size": result.bytecode_size,
            "eip170_limit": EIP170_LIMIT,
            "deployable_on_mainnet": result.deployable_on_mainnet,
            "warning": result.warning,
        })
    else:
        for path in result.files.values():
            click.echo(f"wrote {path}")
        pct = 100 * result.runtime_size / EIP170_LIMIT
        click.echo(f"runtime size {result.runtime_size:,} bytes ({pct:.0f}% of the "
                   f"{EIP170_LIMIT:,}-byte EIP-170 limit)")
    if result.warning:
        click.echo(f"warning: {result.warning}", err=True)


def _export_sliced(circuit_dir: Path, out_dir: Path, as_json: bool, progress: Any) -> None:
    """A sliced circuit: every slice's verifier and the contract that verifies them all."""
    from ..slicing.evm import export_sliced

    with _errors(), progress.stage("writing and compiling the slice verifiers and SlicedVerifier"):
        info = export_sliced(circuit_dir, out_dir)
    if as_json:
        _dump(info)
    else:
        for files in info["slices"]:
            click.echo(f"wrote {files['source']}")
        for path in info["files"].values():
            click.echo(f"wrote {path}")
        click.echo(f"SlicedVerifier runtime size {info['runtime_size']:,} bytes; slice verifiers "
                   f"{', '.join(f'{n:,}' for n in info['slice_runtime_sizes'])} bytes")
    for warning in info["warnings"]:
        click.echo(f"warning: {warning}", err=True)


@evm_group.command("calldata")
@click.argument("proof", type=click.Path(path_type=Path))
@output_option("Write the raw calldata bytes to this file instead of printing hex (an existing "
               "directory gets PROOF_STEM.calldata inside it).", required=False, dest="out_file",
               old_names=("--out",))
@click.option("--json", "as_json", is_flag=True,
              help="Print calldata, selector and public instances as JSON.")
def calldata_cmd(proof: Path, out_file: Path | None, as_json: bool) -> None:
    """Print the hex calldata of verifyProof(bytes,uint256[]) for the proof bundle PROOF."""
    from ..evm import calldata, decode_call
    from ..files import write_bytes_atomic
    from ..manifest import ProofBundle
    from ..outputs import bundle_path

    with _errors():
        if out_file is not None:
            out_file = bundle_path(out_file, proof, suffix=".calldata")
        bundle = ProofBundle.load(proof)
        data = calldata(bundle, str(proof))
        if out_file is not None:
            try:
                write_bytes_atomic(out_file, data)
            except OSError as e:
                raise UsageError(f"{out_file}: cannot write: {e.strerror or e}") from None
    if as_json:
        selector, _, instances = decode_call(data)
        _dump({
            "calldata": "0x" + data.hex(),
            "selector": "0x" + selector.hex(),
            "function": "verifyProof(bytes,uint256[])",
            "instances": [hex(i) for i in instances],
            "size": len(data),
        })
    elif out_file is None:
        click.echo("0x" + data.hex())


@evm_group.command("verify")
@click.argument("circuit_dir", type=click.Path(path_type=Path))
@click.argument("proof", type=click.Path(path_type=Path))
@click.option("--rpc", "rpc_url", metavar="URL",
              help="Deploy and verify on this node (JSON-RPC) instead of an in-process EVM.")
@click.option("--address", metavar="ADDR",
              help="With --rpc: an already deployed verifier (no deployment, eth_call only).")
@click.option("--require-ceremony-srs", is_flag=True,
              help="Refuse (exit 4) a valid proof whose SRS is not the KZG ceremony's.")
@circuit_id_option()
@click.option("--json", "as_json", is_flag=True, help="Print the verdict and gas as JSON.")
def verify_cmd(circuit_dir: Path, proof: Path, rpc_url: str | None, address: str | None,
               require_ceremony_srs: bool, circuit_id: str | None, as_json: bool) -> None:
    """Verify on an EVM: exit 0 valid, 1 invalid, 2 usage, 3 EVM error, 4 refused by policy.

    The verdict is the same as `zkverify verify` (zkverify.verdict.decide): the bundle's
    hashes, claims and weights are checked against the circuit, and the proof itself by the
    circuit's Solidity verifier.
    """
    from ..evm import evm_check, load_verifier
    from ..manifest import CircuitDir
    from ..progress import for_terminal
    from ..verdict import decide
    from ..verifying import bundle_data, load_public

    if address is not None and rpc_url is None:
        _fail("--address needs --rpc URL", EXIT_USAGE)
    progress = for_terminal(as_json)
    cd = CircuitDir(circuit_dir)
    from ..slicing.card import SlicedPublic, is_sliced
    from ..verdict import CircuitPublic, ProofCheck

    public: CircuitPublic | SlicedPublic
    check: ProofCheck
    with _errors():
        if is_sliced(cd):  # every slice and the links, in one verifySlices call
            if rpc_url is not None:
                raise UsageError("--rpc: sliced circuits are verified on the in-process EVM only "
                                 "so far (drop --rpc)")
            from ..slicing.card import load_sliced_public
            from ..slicing.evm import SlicedEvmCheck, load_sliced_verifiers

            spublic = load_sliced_public(cd)
            raw = bundle_data(proof)
            with progress.stage("writing and compiling the slice verifiers and SlicedVerifier"):
                sliced = SlicedEvmCheck(load_sliced_verifiers(cd.path), spublic)
            public, check, calls = spublic, sliced, sliced.calls
            runtime_size = sliced.verifiers.aggregator.runtime_size
        else:
            public = load_public(cd)
            raw = bundle_data(proof)
            with progress.stage("writing and compiling the Solidity verifier"):
                verifier = load_verifier(cd)
            check, calls = evm_check(verifier, rpc_url, address)
            runtime_size = verifier.runtime_size
        with progress.stage("deploying and calling verifyProof"):
            try:
                verdict = decide(public, raw, check, checked_by="evm" if rpc_url is None else "rpc",
                                 require_ceremony_srs=require_ceremony_srs, circuit_id=circuit_id)
            except BundleError as e:
                raise BundleError(f"{proof}: {e}") from None
    evm = calls[0].as_dict() if calls else {"gas": None, "deploy_gas": None, "address": None,
                                            "backend": "pyrevm" if rpc_url is None else "rpc",
                                            "runtime_size": runtime_size, "warnings": []}
    if verdict.valid and verdict.batch and evm.get("gas"):
        # One verifyProof covers every row; only the real inputs count.
        evm["gas_per_inference"] = evm["gas"] // verdict.batch["real"]
    if as_json:
        _dump({**evm, **verdict.to_dict(), "warnings": evm["warnings"] + verdict.warnings})
    else:
        where = "in-process EVM" if rpc_url is None else rpc_url
        fn = "verifySlices" if isinstance(public, SlicedPublic) else "verifyProof"
        if calls:
            gas = f"gas {evm['gas']:,}" if evm["gas"] is not None else "gas unknown"
            if evm.get("gas_per_inference"):
                gas += f", {evm['gas_per_inference']:,} per inference"
            deploy = f", deploy gas {evm['deploy_gas']:,}" if evm["deploy_gas"] else ""
            call = f"{fn} on {where} ({gas}{deploy})"
        else:
            call = f"{fn} on {where} not called"
        if verdict.valid:
            click.echo(f"valid: {call}: proves {verdict.proves()} for circuit "
                       f"{verdict.circuit} (SRS: {verdict.srs})")
        else:
            click.echo(f"invalid: {call} (SRS: {verdict.srs})\nreason: {verdict.reason}")
        if verdict.policy:
            click.echo(f"refused: {verdict.policy}")
        for warning in evm["warnings"] + verdict.warnings:
            click.echo(f"warning: {warning}", err=True)
    sys.exit(verdict.exit_code)
