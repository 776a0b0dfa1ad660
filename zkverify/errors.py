"""Errors raised by zkverify.

The tree (only the CLI turns these into messages and exit codes)::

    ZkVerifyError                 root; exit 1 unless a subclass says otherwise
    ├── UsageError                the user handed us something wrong: exit 2
    │   ├── InputError            unreadable/ill-shaped/non-finite input data
    │   ├── CircuitError          missing or inconsistent circuit directory
    │   ├── BundleError           unreadable or malformed proof bundle
    │   ├── ModelError            model spec, weights or ONNX graph that cannot be used
    │   ├── CacheError            a cache entry that is a symlink or cannot be rebuilt
    │   └── MissingExtraError     an optional extra (torch, serve, ray) is not installed
    ├── EngineError               ezkl failed ("Failed to ...")
    ├── ToleranceError            quantization error above the bound the user asked for
    ├── InvalidProof              a proof that does not verify: exit 1
    ├── EvmError                  Solidity compile, deployment or node failure: exit 3
    └── ServiceError              HTTP service / client failure: exit 3

Exit 3 means "nothing was verified" (a node down, solcjs missing), so a CI gate can tell it
from exit 1, "verified, and the proof is invalid".

Messages are one line and name the file they are about.
"""

from __future__ import annotations


class ZkVerifyError(Exception):
    """Root of every error zkverify raises on purpose."""

    exit_code = 1


class UsageError(ZkVerifyError):
    """Bad input from the user: a wrong path, a malformed file, an impossible option."""

    exit_code = 2


class InputError(UsageError):
    """Input data that cannot be fed to the circuit."""


class CircuitError(UsageError):
    """A circuit directory that is missing files or does not match what it claims."""


class BundleError(UsageError):
    """A proof bundle that cannot be read or does not have the bundle format."""


class ModelError(UsageError):
    """A model spec, state dict or ONNX graph that cannot be used."""


class CacheError(UsageError):
    """A planted symlink in the cache, or a tampered entry zkverify cannot rebuild itself."""


class MissingExtraError(UsageError):
    """A command needs an optional extra (``pip install 'zkverify[torch]'``) that is absent."""


class EngineError(ZkVerifyError):
    """ezkl reported a failure."""


class ToleranceError(ZkVerifyError):
    """The circuit's outputs drift from the float model more than the user allowed."""


class InvalidProof(ZkVerifyError):
    """A proof that does not verify against the circuit."""


class EvmError(ZkVerifyError):
    """Solidity compilation, deployment or an EVM call failed."""

    exit_code = 3


class ServiceError(ZkVerifyError):
    """The HTTP service or a client of it failed."""

    exit_code = 3
