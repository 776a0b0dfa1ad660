"""SRS and proving/verifying keys, cached by content so a rebuild skips the expensive setup.

Cache layout (``$ZKVERIFY_CACHE_DIR`` or the user cache dir)::

    srs/dev-k{logrows}.srs        generated here: development only
    srs/ceremony-k{logrows}.srs   the public KZG ceremony file (downloaded when online)
    keys/{sha256}/pk.key, vk.key  keyed by compiled circuit + settings + SRS
    keys/{sha256}/pk.key.sha256   the pk file's own sha256, recorded once (pk.key is 100+ MB)
    settings/{sha256}.json        calibrated settings keyed by model + data + run args

Every entry but ``pk.key`` has its sha256 recorded beside it (``*.sha256``, see ``cache.py``)
and is checked before use: a dev SRS, keys or settings that fail the check are rebuilt, a
ceremony SRS that fails is removed and reported. ``pk.key`` is not hashed on each use (100+
MB): a swapped proving key cannot make a proof that verifies under the checked vk.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import cache, engine
from .cache import cache_path, cache_root
from .errors import CacheError, EngineError, UsageError
from .files import atomic_path, sha256_bytes, sha256_file

DEV_SRS_WARNING = (
    "using a locally generated SRS: fine for development, INSECURE for production "
    "(whoever generated it could forge proofs). Pass --srs with a KZG ceremony file "
    "(e.g. from ezkl's `get_srs` on a machine with internet) for real use."
)


class DevSrsWarning(UserWarning):
    """A proof system set up with a locally generated (untrusted) SRS."""


def cache_dir() -> Path:
    return cache_root()


@dataclass(frozen=True)
class Srs:
    path: Path
    source: str  # "local-dev" | "ceremony" | "user"
    logrows: int
    sha256: str
    reused: bool

    def info(self) -> dict[str, object]:
        d: dict[str, object] = {"source": self.source, "logrows": self.logrows,
                                "sha256": self.sha256, "reused": self.reused}
        if self.source == "user":
            d["path"] = str(self.path)
        return d


def get_srs(logrows: int, srs_file: Path | None = None, settings: Path | None = None,
            fetch: bool = False) -> Srs:
    """The SRS for ``logrows``: the user's file, the ceremony file, or a cached dev SRS."""
    if srs_file is not None:
        srs_file = Path(srs_file)
        if not srs_file.is_file():
            raise UsageError(f"{srs_file}: no such SRS file")
        if srs_file.stat().st_size < 64:
            raise UsageError(f"{srs_file}: too small to be a KZG SRS file")
        return Srs(srs_file, "user", logrows, sha256_file(srs_file), True)
    ceremony = cache_path("srs", f"ceremony-k{logrows}.srs")
    sha = cache.check(ceremony)
    if fetch and sha is None:
        if settings is None:
            raise UsageError("fetching the ceremony SRS needs the circuit's settings.json")
        cache.discard(ceremony)
        try:
            with atomic_path(ceremony) as tmp:
                engine.get_srs(settings, tmp, logrows)
                tmp.chmod(0o444)  # circuit dirs hard-link it
        except EngineError as e:
            raise EngineError(f"{e}. Offline? Download kzg{logrows}.srs from the KZG ceremony on "
                              f"a machine with internet and pass it with --srs FILE") from None
        return Srs(ceremony, "ceremony", logrows, cache.record(ceremony), False)
    if sha is not None:
        return Srs(ceremony, "ceremony", logrows, sha, True)
    if ceremony.exists():
        # We cannot rebuild a ceremony file offline, and silently falling back to a dev SRS
        # would change what the circuit's proofs are worth: say so instead.
        cache.discard(ceremony)
        raise CacheError(f"{ceremony}: does not match the hash recorded when it was fetched "
                         f"(removed): fetch it again with --fetch-srs or pass --srs FILE")
    dev = cache_path("srs", f"dev-k{logrows}.srs")
    sha = cache.check(dev)
    reused = sha is not None
    if sha is None:
        cache.discard(dev)  # absent, unrecorded or tampered: regenerate
        with atomic_path(dev) as tmp:
            engine.gen_srs(tmp, logrows)
            tmp.chmod(0o444)  # circuit dirs hard-link it
        sha = cache.record(dev)
    warnings.warn(DEV_SRS_WARNING, DevSrsWarning, stacklevel=2)
    return Srs(dev, "local-dev", logrows, sha, reused)


@dataclass(frozen=True)
class Keys:
    compiled: Path
    pk: Path
    vk: Path
    cache_key: str
    reused: bool
    hashes: dict[str, str]  # sha256 of the checked files (model.compiled, vk.key)


def key_cache_key(onnx: Path, settings: Path, srs: Srs, reusable_verifier: bool = False) -> str:
    """Keys depend on the model, the settings and the SRS (and ezkl's version).

    Not on model.compiled's bytes: ezkl serializes it nondeterministically, so the compiled
    circuit is cached with its keys and reused as a set.
    """
    # Keys for ezkl's reusable verifier are set up without selector compression: another vk.
    dsc = ":no-selector-compression" if reusable_verifier else ""
    return sha256_bytes(
        f"{sha256_file(onnx)}:{sha256_file(settings)}:{srs.sha256}:{engine.ezkl_version()}{dsc}"
        .encode()
    )


# Hashed and checked on every use; pk.key is not (see the module docstring).
_CHECKED = ("model.compiled", "vk.key")


def _slot_keys(key: str, reused: bool, hashes: dict[str, str] | None = None) -> Keys:
    slot = cache_root() / "keys" / key
    return Keys(slot / "model.compiled", slot / "pk.key", slot / "vk.key", key, reused,
                hashes or {})


def _hit(key: str) -> Keys | None:
    """The cached keys for ``key`` when every checked file matches its record, else None.

    A slot that fails the check is removed, so the caller's setup rebuilds it.
    """
    slot = cache_path("keys", key)
    if not slot.is_dir():
        return None
    hashes: dict[str, str] = {}
    for name in _CHECKED:
        sha = cache.check(slot / name)
        if sha is None:
            cache.discard(slot)
            return None
        hashes[name] = sha
    if cache.is_link(slot / "pk.key") or not (slot / "pk.key").is_file():
        cache.discard(slot)
        return None
    with contextlib.suppress(OSError):  # `cache prune --keep-last` keeps recently used keys
        os.utime(slot)
    return _slot_keys(key, True, hashes)


def cached_keys(onnx: Path, settings: Path, srs: Srs, reusable_verifier: bool = False) -> Keys | None:
    return _hit(key_cache_key(onnx, settings, srs, reusable_verifier))


def get_keys(onnx: Path, compiled: Path, settings: Path, srs: Srs,
             reusable_verifier: bool = False) -> Keys:
    """Compiled circuit with its proving and verifying keys, from the cache or a fresh setup."""
    key = key_cache_key(onnx, settings, srs, reusable_verifier)
    hit = _hit(key)
    if hit is not None:
        return hit
    slot = cache_path("keys", key)
    work = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=slot.parent))
    try:
        shutil.copyfile(compiled, work / "model.compiled")
        engine.setup(work / "model.compiled", work / "vk.key", work / "pk.key", srs.path,
                     disable_selector_compression=reusable_verifier)
        hashes = {name: cache.record(work / name) for name in _CHECKED}
        for f in work.iterdir():  # circuit dirs hard-link these: never let a write go through
            f.chmod(0o444)
        if slot.exists():
            # Another process won the race: its keys are as good as ours if they pass the
            # check (_hit discards them if not, and ours take the slot).
            hit = _hit(key)
            if hit is not None:
                return hit
        os.replace(work, slot)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return _slot_keys(key, False, hashes)


def pk_sha256(keys: Keys) -> str:
    """sha256 of ``keys.pk``'s bytes, hashed once per cache slot and recorded beside it
    (``pk.key.sha256``, the cache's record format; not checked on use, see the docstring)."""
    known = cache.recorded(keys.pk)
    if known is not None:
        return known
    digest = sha256_file(keys.pk)
    with contextlib.suppress(OSError, CacheError):  # a read-only cache: right hash, not remembered
        cache.record(keys.pk, digest)
    return digest
