"""SRS and proving/verifying keys, cached by content so a rebuild skips the expensive setup.

Cache layout (``$ZKVERIFY_CACHE_DIR`` or the user cache dir)::

    srs/dev-k{logrows}.srs        generated here: development only
    srs/ceremony-k{logrows}.srs   the public KZG ceremony file (downloaded when online)
    keys/{sha256}/pk.key, vk.key  keyed by compiled circuit + settings + SRS
    keys/{sha256}/pk.key.sha256   the pk file's own sha256, computed once (pk.key is 100+ MB)
    settings/{sha256}.json        calibrated settings keyed by model + data + run args
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import engine
from .errors import EngineError, UsageError
from .files import atomic_path, sha256_bytes, sha256_file

DEV_SRS_WARNING = (
    "using a locally generated SRS: fine for development, INSECURE for production "
    "(whoever generated it could forge proofs). Pass --srs with a KZG ceremony file "
    "(e.g. from ezkl's `get_srs` on a machine with internet) for real use."
)


class DevSrsWarning(UserWarning):
    """A proof system set up with a locally generated (untrusted) SRS."""


def cache_dir() -> Path:
    env = os.environ.get("ZKVERIFY_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("zkverify"))


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
    root = cache_dir() / "srs"
    ceremony = root / f"ceremony-k{logrows}.srs"
    if fetch and not ceremony.is_file():
        if settings is None:
            raise UsageError("fetching the ceremony SRS needs the circuit's settings.json")
        try:
            with atomic_path(ceremony) as tmp:
                engine.get_srs(settings, tmp, logrows)
                tmp.chmod(0o444)  # circuit dirs hard-link it
        except EngineError as e:
            raise EngineError(f"{e}. Offline? Download kzg{logrows}.srs from the KZG ceremony on "
                              f"a machine with internet and pass it with --srs FILE") from None
        return Srs(ceremony, "ceremony", logrows, sha256_file(ceremony), False)
    if ceremony.is_file():
        return Srs(ceremony, "ceremony", logrows, sha256_file(ceremony), True)
    dev = root / f"dev-k{logrows}.srs"
    reused = dev.is_file()
    if not reused:
        with atomic_path(dev) as tmp:
            engine.gen_srs(tmp, logrows)
            tmp.chmod(0o444)  # circuit dirs hard-link it
    warnings.warn(DEV_SRS_WARNING, DevSrsWarning, stacklevel=2)
    return Srs(dev, "local-dev", logrows, sha256_file(dev), reused)


@dataclass(frozen=True)
class Keys:
    compiled: Path
    pk: Path
    vk: Path
    cache_key: str
    reused: bool


def key_cache_key(onnx: Path, settings: Path, srs: Srs) -> str:
    """Keys depend on the model, the settings and the SRS (and ezkl's version).

    Not on model.compiled's bytes: ezkl serializes it nondeterministically, so the compiled
    circuit is cached with its keys and reused as a set.
    """
    return sha256_bytes(
        f"{sha256_file(onnx)}:{sha256_file(settings)}:{srs.sha256}:{engine.ezkl_version()}".encode()
    )


def _slot_keys(key: str, reused: bool) -> Keys:
    slot = cache_dir() / "keys" / key
    return Keys(slot / "model.compiled", slot / "pk.key", slot / "vk.key", key, reused)


def _hit(key: str) -> Keys | None:
    keys = _slot_keys(key, True)
    if keys.compiled.is_file() and keys.pk.is_file() and keys.vk.is_file():
        with contextlib.suppress(OSError):  # `cache prune --keep-last` keeps recently used keys
            os.utime(keys.pk.parent)
        return keys
    return None


def cached_keys(onnx: Path, settings: Path, srs: Srs) -> Keys | None:
    return _hit(key_cache_key(onnx, settings, srs))


def get_keys(onnx: Path, compiled: Path, settings: Path, srs: Srs) -> Keys:
    """Compiled circuit with its proving and verifying keys, from the cache or a fresh setup."""
    key = key_cache_key(onnx, settings, srs)
    hit = _hit(key)
    if hit is not None:
        return hit
    slot = cache_dir() / "keys" / key
    slot.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=slot.parent))
    try:
        shutil.copyfile(compiled, work / "model.compiled")
        engine.setup(work / "model.compiled", work / "vk.key", work / "pk.key", srs.path)
        for f in work.iterdir():  # circuit dirs hard-link these: never let a write go through
            f.chmod(0o444)
        if slot.exists():  # another process won the race; its keys are as good as ours
            shutil.rmtree(work)
        else:
            os.replace(work, slot)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return _slot_keys(key, False)


def pk_sha256(keys: Keys) -> str:
    """sha256 of ``keys.pk``'s bytes, hashed once per cache slot and remembered beside it."""
    sidecar = keys.pk.with_name(keys.pk.name + ".sha256")
    try:
        text = sidecar.read_text(encoding="ascii").strip()
        if len(text) == 64 and sidecar.stat().st_mtime >= keys.pk.stat().st_mtime:
            return text
    except (OSError, UnicodeDecodeError):
        pass
    digest = sha256_file(keys.pk)
    try:
        with atomic_path(sidecar) as tmp:
            tmp.write_text(digest + "\n", encoding="ascii")
    except OSError:
        pass  # a read-only cache still gets the right hash, just not remembered
    return digest
