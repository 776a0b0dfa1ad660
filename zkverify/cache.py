"""The on-disk cache (SRS files, keys, calibrated settings, compiled Solidity), checked before use.

A cache directory may be shared (``ZKVERIFY_CACHE_DIR`` on a team machine) or restored from
elsewhere (a CI cache), so a path alone proves nothing about what a file holds. Each entry has
its sha256 recorded beside it when it is written (``NAME.sha256``, a one-line JSON file, itself
in the cache) and checked before every use; an entry that is missing its record, does not match
it, or is a symlink is never used: the caller rebuilds it or reports it. Directories are created
one component at a time without following symlinks, so a planted ``keys -> /elsewhere`` link
cannot redirect what we write.

What this does not stop: someone who can write the cache and rewrites an entry *and* its record
together. The circuit directory's ``manifest.json`` hashes, taken at build time, are then what a
verifier trusts; keep a cache shared only among people who may build your circuits.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

from .errors import CacheError
from .files import sha256_file, write_json_atomic

RECORD_SUFFIX = ".sha256"


def cache_root() -> Path:
    """``$ZKVERIFY_CACHE_DIR``, else the user cache dir (the root itself may be a symlink)."""
    env = os.environ.get("ZKVERIFY_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("zkverify"))


def is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def cache_path(*parts: str) -> Path:
    """The path of a cache entry under the root, its parent directories created safely."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    here = root
    for part in parts[:-1]:
        here = here / part
        try:
            os.mkdir(here)  # mkdir never follows a symlink in its last component
        except FileExistsError:
            mode = os.lstat(here).st_mode
            if stat.S_ISLNK(mode):
                raise CacheError(f"{here}: is a symlink; zkverify refuses symlinks in its cache "
                                 f"(remove it)") from None
            if not stat.S_ISDIR(mode):
                raise CacheError(f"{here}: in the cache but not a directory (remove it)") from None
    entry = here / parts[-1]
    if is_link(entry):
        raise CacheError(f"{entry}: is a symlink; zkverify refuses symlinks in its cache "
                         f"(remove it)")
    return entry


def record_path(entry: Path) -> Path:
    return entry.with_name(entry.name + RECORD_SUFFIX)


def record(entry: Path, sha256: str | None = None) -> str:
    """Record the hash of a freshly written entry (computed unless the caller has it)."""
    digest = sha256 or sha256_file(entry)
    write_json_atomic(record_path(entry), {"sha256": digest}, indent=None)
    return digest


def recorded(entry: Path) -> str | None:
    """The hash recorded for ``entry``, or None (no record, unreadable, a symlink)."""
    rec = record_path(entry)
    if is_link(rec) or not rec.is_file():
        return None
    try:
        value = json.loads(rec.read_text())["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) and len(value) == 64 else None


def check(entry: Path) -> str | None:
    """The entry's sha256 if it is a regular file matching its record; None otherwise.

    None means "do not use": the caller rebuilds (and overwrites) or reports. A symlinked entry
    or record raises, since it was planted: nothing zkverify writes is a link.
    """
    if is_link(entry) or is_link(record_path(entry)):
        raise CacheError(f"{entry}: is a symlink; zkverify refuses symlinks in its cache "
                         f"(remove it)")
    if not entry.is_file():
        return None
    want = recorded(entry)
    if want is None:
        return None
    return want if sha256_file(entry) == want else None


def discard(entry: Path) -> None:
    """Remove a cache entry that failed its check (file or slot directory) and its record."""
    for p in (entry, record_path(entry)):
        if is_link(p) or p.is_file():
            p.unlink(missing_ok=True)
        elif p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
