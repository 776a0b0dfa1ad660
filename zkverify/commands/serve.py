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
def serve(circuit_dirs: tuple[Path, ...], host: str, port: int, db_path: Path | None,
          token_file: Path | None, max_concurrency: int, max_queue: int, verify_workers: int,
          max_verify_queue: int, queue_timeout: float, max_body: int, job_timeout: float,
          client_limit: int) -> None:
    """Host circuits over HTTP: proven inference (token), open verification, proof history."""
    import uvicorn

    from ..service import create_app

    token = read_token(token_file)
    db = db_path or default_db()
    app = create_app(list(circuit_dirs), db, token, max_concurrency=max_concurrency,
                     max_queue=max_queue, verify_workers=verify_workers,
                     max_verify_queue=max_verify_queue, queue_timeout=queue_timeout,
                     max_body=max_body, job_timeout=job_timeout,
                     client_limit=client_limit or None)
    ids = ", ".join(app.state.hosted)
    click.echo(f"zkverify: serving {ids} on http://{host}:{port} (proofs recorded in {db})", err=True)
    if token is None:
        click.echo(f"zkverify: no token ({TOKEN_ENV} or --token-file): infer is disabled", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=10)


@click.command("infer")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--url", required=True, help="The zkverify node, e.g. http://127.0.0.1:8000.")
@click.option("--circuit", "circuit_id",
              help="Circuit id or name (needed when the node hosts several).")
@output_option("Write the proof bundle here (an existing directory gets INPUT_STEM.proof.json "
               "inside it).", required=False)
@click.option("--token-file", type=click.Path(path_type=Path),
              help=f"File holding the bearer token (default: ${TOKEN_ENV}).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def infer(input_path: Path, url: str, circuit_id: str | None, out: Path | None,
          token_file: Path | None, as_json: bool) -> None:
    """Ask a node to prove one inference of INPUT (.json or .npy); exit 0 with a proof."""
    from ..client import infer_remote
    from ..inputs import load_input_file
    from ..manifest import ProofBundle
    from ..outputs import bundle_path

    if out is not None:
        out = bundle_path(out, input_path)
    token = read_token(token_file)
    if token is None:
        raise UsageError(f"infer needs a token: set {TOKEN_ENV} or pass --token-file")
    data = load_input_file(input_path)
    if hasattr(data, "tolist"):
        data = data.tolist()
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

