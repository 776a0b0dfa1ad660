"""The service's record of every proof it served: one SQLite file, written before each response.

Durability is the point: a client that received a proof must be able to fetch it again after
the node crashes. So the database runs in WAL mode with ``synchronous=FULL`` (every commit is
fsynced) and ``record`` returns only after its commit.

The file holds every bundle served (inputs included, when they are public), so it is created
0600 before SQLite opens it; SQLite gives its -wal and -shm files the database file's mode.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ServiceError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS proofs (
    proof_hash  TEXT PRIMARY KEY,
    circuit     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    prediction  TEXT,
    bundle      TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class StoredProof:
    proof_hash: str
    circuit: str
    created_at: str
    bundle: dict[str, Any]


class ProofStore:
    """Thread-safe (one connection behind a lock); the service writes from worker threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False,
                                         isolation_level=None, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute(_SCHEMA)
        except (sqlite3.Error, OSError) as e:
            raise ServiceError(f"{self.path}: cannot open the proof database: {e}") from None
        self._lock = threading.Lock()

    def record(self, proof_hash: str, circuit: str, created_at: str,
               bundle: dict[str, Any], prediction: Any = None) -> None:
        """Insert one proof and commit (fsynced) before returning."""
        row = (proof_hash, circuit, created_at, json.dumps(prediction),
               json.dumps(bundle, separators=(",", ":")))
        try:
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.execute(
                        "INSERT OR IGNORE INTO proofs (proof_hash, circuit, created_at, prediction,"
                        " bundle) VALUES (?, ?, ?, ?, ?)", row)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
        except sqlite3.Error as e:
            raise ServiceError(f"{self.path}: cannot record proof {proof_hash[:12]}: {e}") from None

    def get(self, proof_hash: str) -> StoredProof | None:
        try:
            with self._lock:
                row = self._conn.execute(
                    "SELECT proof_hash, circuit, created_at, bundle FROM proofs WHERE proof_hash = ?",
                    (proof_hash,)).fetchone()
        except sqlite3.Error as e:
            raise ServiceError(f"{self.path}: cannot read the proof database: {e}") from None
        if row is None:
            return None
        return StoredProof(row[0], row[1], row[2], json.loads(row[3]))

    def count(self) -> int:
        try:
            with self._lock:
                (n,) = self._conn.execute("SELECT COUNT(*) FROM proofs").fetchone()
        except sqlite3.Error as e:
            raise ServiceError(f"{self.path}: cannot read the proof database: {e}") from None
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
