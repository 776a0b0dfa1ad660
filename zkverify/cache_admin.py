"""The cache directory: what is in it, and removing what is no longer needed.

Layout (``$ZKVERIFY_CACHE_DIR``, else the platform's user cache dir, e.g. ~/.cache/zkverify)::

    srs/        SRS files by logrows (dev-k{n}.srs generated here, ceremony-k{n}.srs)
    keys/       one directory per circuit: model.compiled, pk.key, vk.key (the big one)
    settings/   calibrated ezkl settings, keyed by model + data + run args
    solc/       compiled Solidity verifiers, keyed by source

An *entry* is one child of a kind directory (an SRS file, a key directory, ...). Its age is
its modification time; the key cache touches a key directory each time a build reuses it, so
"the last N" means the N most recently used.

Pruning never follows a symbolic link (a link is removed as a link, never what it points
to), never removes anything that is not an entry directly inside a kind directory of the
cache, and skips in-progress temporaries (names starting with a dot). Circuit directories
hard-link their pk.key, vk.key and kzg.srs from the cache, so they keep working after a prune;
the disk space comes back once they are deleted too.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from .cache import RECORD_SUFFIX, record_path
from .errors import UsageError
from .keys import cache_dir

KINDS = ("srs", "keys", "settings", "solc")
KIND_HELP = {"srs": "SRS files by logrows", "keys": "compiled circuits with pk/vk keys",
             "settings": "calibrated ezkl settings", "solc": "compiled Solidity verifiers"}


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str
    path: Path
    bytes: int
    mtime: float

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["path"] = str(self.path)
        d["last_used"] = _iso(self.mtime)
        del d["mtime"]
        return d


def _iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tree_bytes(path: Path) -> int:
    """Bytes under ``path`` (lstat: a symbolic link counts as itself and is not followed)."""
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode):
        return st.st_size
    total = 0
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        for name in dirnames + filenames:
            try:
                s = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if not stat.S_ISDIR(s.st_mode):
                total += s.st_size
    return total


def _kind_dir(root: Path, kind: str) -> Path | None:
    d = root / kind
    # A kind directory that is a link points outside the cache: never list or prune through it.
    if d.is_symlink() or not d.is_dir():
        return None
    return d


def entries(root: Path | None = None, kinds: tuple[str, ...] = KINDS) -> list[Entry]:
    """Every entry of the cache, newest first within each kind."""
    root = root or cache_dir()
    out: list[Entry] = []
    for kind in kinds:
        d = _kind_dir(root, kind)
        if d is None:
            continue
        found = []
        for child in d.iterdir():
            if child.name.startswith("."):
                continue  # a setup or download in progress (or its leftovers): not ours to judge
            if child.name.endswith(RECORD_SUFFIX) and (d / child.name[:-len(RECORD_SUFFIX)]).exists():
                continue  # an entry's hash record (cache.py) goes with its entry
            try:
                rec = record_path(child)
                extra = rec.lstat().st_size if rec.exists() and not rec.is_symlink() else 0
                found.append(Entry(kind, child.name, child, tree_bytes(child) + extra,
                                   child.lstat().st_mtime))
            except OSError:
                continue  # removed while we looked
        out.extend(sorted(found, key=lambda e: e.mtime, reverse=True))
    return out


def info(root: Path | None = None) -> dict[str, object]:
    """Size and count per kind, for `zkverify cache info`."""
    root = root or cache_dir()
    found = entries(root)
    kinds = {k: {"count": 0, "bytes": 0, "path": str(root / k), "what": KIND_HELP[k]}
             for k in KINDS}
    for e in found:
        kinds[e.kind]["count"] += 1  # type: ignore[operator]
        kinds[e.kind]["bytes"] += e.bytes  # type: ignore[operator]
    return {"cache_dir": str(root), "exists": root.is_dir(), "kinds": kinds,
            "total_bytes": sum(e.bytes for e in found), "total_count": len(found)}


def parse_older_than(text: str, now: float | None = None) -> float:
    """``30`` (days) or ``2026-01-31`` (a date, UTC midnight) -> a cutoff timestamp."""
    text = text.strip()
    now = _dt.datetime.now(_dt.UTC).timestamp() if now is None else now
    if text.isdigit():
        return now - int(text) * 86400
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--older-than {text!r}: expected a number of days (30) or a date "
                         f"(2026-01-31)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return when.timestamp()


def select(found: list[Entry], keep_last: int | None, older_than: float | None) -> list[Entry]:
    """Entries to remove: beyond the newest ``keep_last`` of their kind AND older than the cutoff
    (when both are given; either alone when only one is)."""
    if keep_last is None and older_than is None:
        raise UsageError("cache prune needs --keep-last N and/or --older-than DATE|DAYS "
                         "(nothing is removed without a rule)")
    rank: dict[str, int] = {}
    doomed = []
    for e in found:  # newest first within each kind
        rank[e.kind] = rank.get(e.kind, 0) + 1
        beyond = keep_last is None or rank[e.kind] > keep_last
        old = older_than is None or e.mtime < older_than
        if beyond and old:
            doomed.append(e)
    return doomed


def remove(entry: Entry, root: Path) -> None:
    """Delete one entry, refusing anything that is not directly inside a kind dir of ``root``."""
    kind_dir = _kind_dir(root, entry.kind)
    if kind_dir is None or entry.path.parent != kind_dir or entry.name.startswith("."):
        raise UsageError(f"{entry.path}: not a cache entry, refusing to delete it")
    real_root = root.resolve()
    if kind_dir.resolve().parent != real_root:
        raise UsageError(f"{entry.path}: outside the cache {real_root}, refusing to delete it")
    p = entry.path
    record_path(p).unlink(missing_ok=True)  # a record without its entry would be a stale claim
    if p.is_symlink() or not p.is_dir():
        p.unlink(missing_ok=True)  # a link goes, its target stays
        return
    # rmtree unlinks symlinks found inside instead of following them.
    shutil.rmtree(p)


def prune(keep_last: int | None = None, older_than: str | None = None, dry_run: bool = False,
          kinds: tuple[str, ...] = KINDS, root: Path | None = None) -> dict[str, object]:
    """Remove (or with ``dry_run`` only list) the entries the rules select."""
    root = root or cache_dir()
    cutoff = parse_older_than(older_than) if older_than is not None else None
    found = entries(root, kinds)
    doomed = select(found, keep_last, cutoff)
    if not dry_run:
        for e in doomed:
            remove(e, root)
    return {"cache_dir": str(root), "dry_run": dry_run,
            "removed": [e.to_dict() for e in doomed],
            "freed_bytes": sum(e.bytes for e in doomed),
            "kept": len(found) - len(doomed)}
