"""What `-o/--output` means, checked before any work starts (no proving for seconds, then failing).

One convention across commands:

* a command that writes **one file** (a proof bundle, calldata): ``-o FILE`` writes that file;
  ``-o EXISTING_DIR`` writes into the directory, under a name derived from the input
  (``input.json`` -> ``input.proof.json``);
* a command that writes **a directory** (export, build, tune, evm export, a batch of proofs):
  ``-o DIR`` is that directory; an existing file there is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import UsageError

BUNDLE_SUFFIX = ".proof.json"


def bundle_path(out: Path, input_path: Path | None = None, suffix: str = BUNDLE_SUFFIX) -> Path:
    """Where a single output file goes for ``-o out`` (checked to be writable)."""
    out = Path(out)
    if out.is_dir():
        stem = input_path.stem if input_path is not None else "proof"
        out = out / f"{stem}{suffix}"
        if out.is_dir():
            raise UsageError(f"{out}: is a directory; pass -o with a file name")
    return output_file(out)


def output_file(out: Path) -> Path:
    """``out`` as a file to (over)write: not a directory, in a directory we can write to."""
    out = Path(out)
    if out.is_dir():
        raise UsageError(f"{out}: is a directory; pass -o with a file name")
    _check_parent(out)
    return out


def output_dir(out: Path) -> Path:
    """``out`` as a directory to create or fill: not an existing file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a directory (-o names a directory here)")
    if not out.exists():
        _check_parent(out)
    elif not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"{out}: directory is not writable")
    return out


def _check_parent(out: Path) -> None:
    """The nearest existing ancestor must be a writable directory (missing ones get created)."""
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{out}: cannot write here ({parent} is not a directory)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{out}: cannot write here ({parent} is not writable)")
