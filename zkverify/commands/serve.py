"""`zkverify serve` (host circuits over HTTP) and `zkverify infer` (ask a node for a proof).

The bearer token comes from ``--token-file`` or ``ZKVERIFY_TOKEN``; it is never printed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from ..cli_options import output_option
from ..errors import UsageError
from .registry import open_registry, registry_options

TOKEN_ENV = "ZKVERIFY_TOKEN"


def read_token(token_file: Path | None) -> str | None:
    """The token from the file (first line, stripped) or the environment, else None."""
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{token_file}: cannot read the token file ({e.__class__.__name__})") from None
        if not token or "\n" in token:
            raise UsageError(f"{token_file}: expected one line holding the token")
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


def default_db() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("zkverify")) / "proofs.sqlite3"


@click.command("serve")
@click.argument("circuit_dirs", nargs=-1, required=True, metavar="CIRCUIT_DIR...",
                type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 exposes the node to the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="TCP port to listen on.")
@click.option("--db", "db_path", type=click.Path(path_type=Path),
              help="SQLite file recording every proof served (default: the user data dir).")
@click.option("--token-file", type=click.Path(path_type=Path),
              help=f"File holding the bearer token for infer (default: ${TOKEN_ENV}).")
@click.option("--max-concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Proofs computed at once (worker processes).")
@click.option("--max-queue", default=8, show_default=True, type=click.IntRange(0, 10_000),
              help="Infer requests allowed to wait; more get 429.")
@click.option("--verify-workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Proofs verified at once (threads).")
@click.option("--max-verify-queue", default=64, show_default=True, type=click.IntRange(0, 100_000),
              help="Verify requests allowed to wait; more get 429.")
@click.option("--queue-timeout", default=60.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a request may wait for a worker before 503.")
@click.option("--max-body", default=1 << 20, show_default=True, type=click.IntRange(1),
              help="Largest request body in bytes (413 past it).")
@click.option("--job-timeout", default=300.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a running prove/verify job may take before its worker is stopped (503).")
@click.option("--client-limit", default=60, show_default=True, type=click.IntRange(0),
              help="Unauthenticated work requests (verify, Verifier.sol) per client address per "
                   "minute; 429 with Retry-After past it; 0: no limit.")
@registry_options(required=False)
@click.option("--announce", "public_url", metavar="PUBLIC_URL",
              help="With --registry: add this node (as PUBLIC_URL) for each hosted circuit on "
                   "startup, remove it on clean shutdown.")
@click.option("--ray", "ray_address", metavar="ADDRESS",
              help="Prove on a Ray cluster (`auto` or host:port); the node keeps HTTP, the queue "
                   "and the proof log. --max-concurrency Ray actors.")
def serve(circuit_dirs: tuple[Path, ...], host: str, port: int, db_path: Path | None,
          token_file: Path | None, max_concurrency: int, max_queue: int, verify_workers: int,
          max_verify_queue: int, queue_timeout: float, max_body: int, job_timeout: float,
          client_limit: int, registry_address: str | None, rpc_url: str | None,
          private_key_file: Path | None, public_url: str | None, ray_address: str | None) -> None:
    """Host circuits over HTTP: proven inference (token), open verification, proof history."""
    import uvicorn

    from ..service import create_app

    token = read_token(token_file)
    db = db_path or default_db()
    app = create_app(list(circuit_dirs), db, token, max_concurrency=max_concurrency,
                     max_queue=max_queue, verify_workers=verify_workers,
                     max_verify_queue=max_verify_queue, queue_timeout=queue_timeout,
                     max_body=max_body, job_timeout=job_timeout,
                     client_limit=client_limit or None, ray_address=ray_address)
    if public_url or registry_address:
        if not (public_url and registry_address and rpc_url):
            raise UsageError("--announce needs --registry ADDR and --rpc URL (and the reverse)")
        from ..network.announce import Announcer, with_announcement

        def warn(message: str) -> None:
            click.echo(f"warning: {message}", err=True)

        reg = open_registry(rpc_url, registry_address, private_key_file)
        circuits = {h.circuit_id: h.hashes["vk_sha256"] for h in app.state.hosted.values()}
        with_announcement(app, Announcer(reg, public_url.rstrip("/"), circuits, warn))
    ids = ", ".join(app.state.hosted)
    click.echo(f"zkverify: serving {ids} on http://{host}:{port} (proofs recorded in {db})", err=True)
    if token is None:
        click.echo(f"zkverify: no token ({TOKEN_ENV} or --token-file): infer is disabled", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=10)


@click.command("infer")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--url", help="The zkverify node, e.g. http://127.0.0.1:8000 (or use --registry).")
@click.option("--circuit", "circuit_id",
              help="Circuit id or name (needed when the node hosts several; with --registry: "
                   "the circuit id).")
@output_option("Write the proof bundle here (an existing directory gets INPUT_STEM.proof.json "
               "inside it).", required=False)
@click.option("--token-file", type=click.Path(path_type=Path),
              help=f"File holding the bearer token (default: ${TOKEN_ENV}).")
@registry_options(required=False)
@click.option("--submit", is_flag=True,
              help="With --registry: record the verified inference on chain.")
@click.option("--node-timeout", default=300.0, show_default=True, type=click.FloatRange(min=0.1),
              help="With --registry: seconds to wait for one node's proof before trying the next.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def infer(input_path: Path, url: str | None, circuit_id: str | None, out: Path | None,
          token_file: Path | None, registry_address: str | None, rpc_url: str | None,
          private_key_file: Path | None, submit: bool, node_timeout: float,
          as_json: bool) -> None:
    """Ask a node to prove one inference of INPUT (.json or .npy); exit 0 with a proof.

    With --registry: find the circuit's nodes on chain, fail over between them, and keep only
    a proof that verifies here against the circuit's public files.
    """
    from ..client import infer_remote
    from ..inputs import load_input_file
    from ..manifest import ProofBundle
    from ..outputs import bundle_path

    if (url is None) == (registry_address is None):
        raise UsageError("infer needs --url URL or --registry ADDR --rpc URL (one of them)")
    if registry_address is not None and (rpc_url is None or circuit_id is None):
        raise UsageError("with --registry, infer needs --rpc URL and --circuit ID")
    if submit and registry_address is None:
        raise UsageError("--submit needs --registry ADDR and --rpc URL")
    if out is not None:
        out = bundle_path(out, input_path)
    token = read_token(token_file)
    if token is None:
        raise UsageError(f"infer needs a token: set {TOKEN_ENV} or pass --token-file")
    data = load_input_file(input_path)
    if hasattr(data, "tolist"):
        data = data.tolist()
    if registry_address is not None:
        assert rpc_url is not None and circuit_id is not None
        _infer_registry(data, registry_address, rpc_url, circuit_id, token, out, submit,
                        private_key_file, node_timeout, as_json)
        return
    assert url is not None
    result = infer_remote(url, circuit_id, data, token)
    if out is not None:
        ProofBundle.from_obj(result["bundle"]).save(out)
    if as_json:
        shown = {k: v for k, v in result.items() if k != "bundle" or out is None}
        if out is not None:
            shown["bundle_path"] = str(out)
        click.echo(json.dumps(shown, indent=2))
    else:
        where = f", bundle {out}" if out is not None else ""
        click.echo(f"prediction: {result.get('prediction')}  (circuit {result.get('circuit')}, "
                   f"proof {result.get('proof_hash')}{where})")


def _infer_registry(data: object, address: str, rpc_url: str, circuit_id: str, token: str,
                    out: Path | None, submit: bool, key_file: Path | None, node_timeout: float,
                    as_json: bool) -> None:
    from ..cli_options import check_circuit_id
    from ..files import write_bytes_atomic
    from ..network.failover import infer as infer_failover
    from ..network.failover import submit as submit_bundle

    try:
        check_circuit_id(click.get_current_context(), None, circuit_id)  # type: ignore[arg-type]
    except click.BadParameter as e:
        raise UsageError(f"--circuit: {e.message}") from None
    reg = open_registry(rpc_url, address, key_file, sign=submit)
    result = infer_failover(reg, circuit_id, data, token, node_timeout=node_timeout)
    for a in result.attempts:
        if a.outcome == "forged":
            click.echo(f"warning: node {a.url} returned a bundle that does not verify, skipped: "
                       f"{a.reason}", err=True)
        elif a.outcome != "ok":
            click.echo(f"warning: node {a.url} failed, tried the next: {a.reason}", err=True)
    if out is not None:
        # The bundle exactly as the node sent it: the bytes that were verified.
        write_bytes_atomic(out, (json.dumps(result.bundle, indent=2) + "\n").encode())
    info = result.as_dict()
    if out is not None:
        info["bundle_path"] = str(out)
    info["submitted"] = (submit_bundle(reg, circuit_id, result.bundle, result.public_dir)
                         if submit else None)
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        where = f", bundle {out}" if out is not None else ""
        click.echo(f"prediction: {result.prediction}  (verified; circuit {circuit_id[:16]}…, node "
                   f"{result.node}, proof {result.proof_hash}{where})")
        if info["submitted"]:
            click.echo(f"recorded on chain: transaction {info['submitted']['tx_hash']} "
                       f"(gas {info['submitted']['gas']:,})")
