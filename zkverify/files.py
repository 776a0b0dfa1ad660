"""Small file helpers: hashing, atomic writes, JSON reading with one-line errors."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import UsageError

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


# sha256 by file identity, so a long-lived process (the service's workers) does not re-hash
# the same vk and settings on every request. The key changes whenever the file does: a
# rewrite in place changes size or mtime_ns, a replacement changes the inode, and ctime_ns
# catches someone who restores the old mtime with utime().
_HASHES: dict[tuple[str, int, int, int, int, int], str] = {}
_HASHES_MAX = 1024


def sha256_file_cached(path: Path) -> str:
    """sha256 of a file, remembered per (path, device, inode, size, mtime, ctime)."""
    st = os.stat(path)
    key = (str(Path(path).absolute()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
           st.st_ctime_ns)
    digest = _HASHES.get(key)
    if digest is None:
        digest = sha256_file(path)
        if len(_HASHES) >= _HASHES_MAX:
            _HASHES.clear()
        _HASHES[key] = digest
    return digest


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_umask() -> int:
    """The process umask, read without changing it where the OS allows.

    Setting the umask to read it back (``os.umask(0)``) is process-wide: a thread creating a
    file in that window gets a world-writable file. Linux shows the umask in /proc; elsewhere
    we fall back to the set-and-restore once, at import, before callers start threads.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a directory; the rename itself still happened
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` only on success.

    Readers never see a half-written file, and a failure (or Ctrl-C) leaves ``dest`` as it was.
    The file is fsynced before the rename and the directory after it: without both, a crash
    can leave ``dest`` renamed but empty (ext4 and xfs reorder data and metadata writes).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; artifacts are ordinary files
    try:
        yield tmp_path
        if tmp_path.exists():  # a caller may hard-link in place of the temp file
            fsync_file(tmp_path)
        os.replace(tmp_path, dest)
        fsync_dir(dest.parent)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes_atomic(dest: Path, data: bytes) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(dest: Path, obj: Any, indent: int | None = 2) -> None:
    write_bytes_atomic(dest, (json.dumps(obj, indent=indent) + "\n").encode())


def read_json(path: Path, what: str = "JSON file", error: type[UsageError] = UsageError) -> Any:
    """Read a JSON file, raising ``error`` with a one-line message on any problem."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: no such file")
    if path.is_dir():
        raise error(f"{path}: is a directory, expected a {what}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{path}: cannot read {what}: {e}") from None
    if not text.strip():
        raise error(f"{path}: empty file, expected a {what}")
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as e:
        raise error(f"{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None


def _parse_int(digits: str) -> int | float:
    """JSON integers of any length: past Python's int-from-string limit (4300 digits) one is no
    value we could use anyway, so it becomes infinity (rejected as "not a finite number")."""
    try:
        return int(digits)
    except ValueError:
        return float("-inf") if digits.startswith("-") else float("inf")


def link_or_copy(src: Path, dest: Path) -> None:
    """Hard-link ``src`` to ``dest`` (cheap for 100 MB keys); copy when linking is impossible."""
    import shutil

    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
