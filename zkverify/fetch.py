"""`zkverify fetch`: download exactly a circuit's public files from a node, and trust none of them
until they match the circuit id.

The id is the sha256 of the card's canonical JSON, so the card must hash to it, and settings,
vk and SRS must hash to what the card says. Then ``zkverify verify DIR PROOF`` trusts only the
id the user asked for, not the node. Prover-only files (pk, compiled circuit, ONNX) are never
asked for.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from .card import CARD, Card
from .errors import CircuitError, ServiceError, UsageError, ZkVerifyError
from .files import sha256_file

PUBLIC = (CARD, "settings.json", "vk.key", "kzg.srs")
# An SRS for logrows 26 is about 4 GiB; nothing public is larger.
MAX_FILE = 8 << 30


class FetchMismatch(ZkVerifyError):
    """What the node served does not match the circuit id: exit 1, nothing written."""

    exit_code = 1


@dataclass(frozen=True)
class FetchResult:
    out_dir: Path
    circuit_id: str
    name: str
    files: dict[str, int]  # name -> bytes


def fetch(url: str, circuit_id: str, out_dir: str | Path, timeout: float = 60.0) -> FetchResult:
    """Download card, settings, vk and SRS of ``circuit_id`` into ``out_dir``, checked."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out}: exists and is not an empty directory")
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"{url}: not an http(s) URL")
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".fetching", dir=out.parent))
    try:
        with httpx.Client(timeout=timeout) as client:
            for name in PUBLIC:
                _download(client, f"{base}/v1/circuits/{circuit_id}/files/{name}", stage / name)
        try:
            card = Card.load(stage / CARD)
        except CircuitError as e:
            raise FetchMismatch(f"{base}: the served card.json is not a circuit card ({e})") from None
        if card.circuit_id != circuit_id:
            raise FetchMismatch(f"{base}: the served card.json is circuit {card.circuit_id}, not "
                                f"{circuit_id} (the node served another circuit's card)")
        for name, key in (("settings.json", "settings_sha256"), ("vk.key", "vk_sha256"),
                          ("kzg.srs", "srs_sha256")):
            if sha256_file(stage / name) != getattr(card, key):
                raise FetchMismatch(f"{base}: the served {name} does not match {key} in the card "
                                    f"of circuit {circuit_id[:16]}…")
        sizes = {name: (stage / name).stat().st_size for name in PUBLIC}
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(stage, out)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return FetchResult(out, circuit_id, card.name, sizes)


def _download(client: httpx.Client, url: str, dest: Path) -> None:
    from .client import error_reason, response_detail

    try:
        with client.stream("GET", url) as r:
            if r.status_code != 200:
                r.read()
                raise ServiceError(f"{url}: {r.status_code} {response_detail(r)}")
            got = 0
            with open(dest, "wb") as f:
                for chunk in r.iter_bytes():
                    got += len(chunk)
                    if got > MAX_FILE:
                        raise ServiceError(f"{url}: larger than {MAX_FILE >> 30} GiB, refused")
                    f.write(chunk)
    except httpx.HTTPError as e:
        raise ServiceError(f"{url}: cannot reach the node ({error_reason(e)})") from None
