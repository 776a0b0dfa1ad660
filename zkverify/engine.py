"""The only module that imports ezkl.

ezkl's shipped ``.pyi`` is out of date, so every call passes arguments by keyword (the truth
is ezkl's ``src/bindings/python.rs``). Some calls are async and need an event loop; ezkl
reports failures as ``RuntimeError("Failed to ...")``, which we turn into ``EngineError``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import ezkl

from .errors import EngineError

# ezkl logs each failed calibration candidate at ERROR through Python logging; without a
# handler those would reach the user's terminal. ZKVERIFY_EZKL_LOGS=1 shows them.
if os.environ.get("ZKVERIFY_EZKL_LOGS") != "1":
    logging.getLogger("ezkl").addHandler(logging.NullHandler())
    logging.getLogger("ezkl").propagate = False

T = TypeVar("T")

# Range-check / decomposition knobs the tuner and `build` may set on PyRunArgs.
RUN_ARG_FIELDS = (
    "input_scale",
    "param_scale",
    "scale_rebase_multiplier",
    "logrows",
    "num_inner_cols",
    "decomp_base",
    "decomp_legs",
    "lookup_range",
    "input_visibility",
    "output_visibility",
    "param_visibility",
    "check_mode",
    "bounded_log_lookup",
    # Check every matrix product row by row instead of with Freivalds' algorithm: the page's
    # @ezkljs/engine 21 cannot verify Freivalds proofs (tests/test_wasm_freivalds.py).
    "disable_freivalds",
    # Sizes of symbolic dimensions, [[name, size], ...]: a batched circuit's batch axis.
    "variables",
)


_UNSUPPORTED = re.compile(r'node #(\d+) "([^"]*)" Unimplemented\((\w+)\)')


def unsupported_operator(message: str) -> str | None:
    """'node "NAME" (#N): operator OP is not supported by ezkl X' when ezkl (tract) says so."""
    m = _UNSUPPORTED.search(message)
    if m is None:
        return None
    index, node, op = m.groups()
    return f'node "{node}" (#{index}): operator {op} is not supported by ezkl {ezkl_version()}'


def ezkl_version() -> str:
    return str(getattr(ezkl, "__version__", "unknown"))


def _is_failure(e: BaseException) -> bool:
    """ezkl's RuntimeError, or a Rust panic (pyo3's PanicException derives from BaseException)."""
    return isinstance(e, RuntimeError) or type(e).__name__ == "PanicException"


def _call(what: str, fn: Callable[..., T], **kwargs: Any) -> T:
    try:
        with _quiet_stderr():
            return fn(**kwargs)
    except BaseException as e:
        if not _is_failure(e):
            raise
        raise EngineError(f"ezkl {what} failed: {_clean(e)}") from None


def _run(what: str, coro_fn: Callable[..., Any], **kwargs: Any) -> Any:
    async def runner() -> Any:
        result = coro_fn(**kwargs)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            return await result
        return result

    try:
        with _quiet_stderr():
            return _in_new_loop(runner)
    except BaseException as e:
        if not _is_failure(e):
            raise
        raise EngineError(f"ezkl {what} failed: {_clean(e)}") from None


def _in_new_loop(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an ezkl future even when the caller already has a loop (e.g. inside FastAPI)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def _clean(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return msg.removeprefix("Failed to ").strip()


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """ezkl's Rust side prints tract and calibration tables straight to fd 2; keep CLIs clean.

    Set ZKVERIFY_EZKL_LOGS=1 to see them.
    """
    if os.environ.get("ZKVERIFY_EZKL_LOGS") == "1":
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def run_args(**values: Any) -> Any:
    """An ``ezkl.PyRunArgs`` with the given fields set (unknown names are an error)."""
    ra = ezkl.PyRunArgs()
    for key, value in values.items():
        if value is None:
            continue
        if key not in RUN_ARG_FIELDS:
            raise EngineError(f"unknown ezkl run arg {key!r}")
        if key == "variables":
            value = [(str(name), int(size)) for name, size in value]
        setattr(ra, key, value)
    return ra


def gen_settings(onnx: Path, settings: Path, **values: Any) -> None:
    _call("gen_settings", ezkl.gen_settings, model=str(onnx), output=str(settings),
          py_run_args=run_args(**values))


def calibrate(data: Path, onnx: Path, settings: Path, target: str = "resources",
              scales: list[int] | None = None, max_logrows: int | None = None,
              scale_rebase_multiplier: list[int] | None = None) -> None:
    kwargs: dict[str, Any] = {"data": str(data), "model": str(onnx), "settings": str(settings),
                              "target": target}
    if scales is not None:
        kwargs["scales"] = scales
    if scale_rebase_multiplier is not None:
        kwargs["scale_rebase_multiplier"] = scale_rebase_multiplier
    if max_logrows is not None:
        kwargs["max_logrows"] = max_logrows
    _call("calibrate_settings", ezkl.calibrate_settings, **kwargs)


def compile_circuit(onnx: Path, compiled: Path, settings: Path) -> None:
    _call("compile_circuit", ezkl.compile_circuit, model=str(onnx), compiled_circuit=str(compiled),
          settings_path=str(settings))


def gen_srs(srs: Path, logrows: int) -> None:
    """A locally generated SRS: fine for development, insecure for production."""
    try:
        with _quiet_stderr():
            ezkl.gen_srs(str(srs), logrows)
    except BaseException as e:
        if not _is_failure(e):
            raise
        raise EngineError(f"ezkl gen_srs failed: {_clean(e)}") from None


def get_srs(settings: Path, srs: Path, logrows: int | None = None) -> None:
    """Download the public KZG ceremony SRS (needs internet)."""
    _run("get_srs", ezkl.get_srs, settings_path=str(settings), logrows=logrows, srs_path=str(srs))


def setup(compiled: Path, vk: Path, pk: Path, srs: Path,
          disable_selector_compression: bool = False) -> None:
    _call("setup", ezkl.setup, model=str(compiled), vk_path=str(vk), pk_path=str(pk),
          srs_path=str(srs), disable_selector_compression=disable_selector_compression)


def gen_witness(data: Path, compiled: Path, output: Path, vk: Path | None = None,
                srs: Path | None = None) -> dict[str, Any]:
    """The witness as written to ``output`` (the returned dict lacks ``pretty_elements``).

    With ``vk`` and ``srs`` ezkl also computes the KZG commitments of ``polycommit`` tensors
    (``processed_inputs/outputs.polycommit``); without them those stay null.
    """
    extra = {"vk_path": str(vk), "srs_path": str(srs)} if vk is not None and srs is not None else {}
    _call("gen_witness", ezkl.gen_witness, data=str(data), model=str(compiled), output=str(output),
          **extra)
    return dict(json.loads(Path(output).read_text()))


def kzg_commit(message: list[str], vk: Path, settings: Path, srs: Path) -> list[tuple[str, str]]:
    """The KZG commitment points of one polycommit tensor (field elements as ezkl writes them)
    under this circuit's vk, settings and SRS: ``(x, y)`` per column the tensor fills."""
    points = _call("kzg_commit", ezkl.kzg_commit, message=list(message), vk_path=str(vk),
                   settings_path=str(settings), srs_path=str(srs))
    return [(str(pt.x), str(pt.y)) for pt in points]  # type: ignore[attr-defined]  # stale .pyi


def swap_proof_commitments(proof: Path, witness: Path) -> None:
    """Write the witness's polycommit commitments over the first points of the proof (ezkl's
    proof-splitting step; the proof then verifies only if they were its own commitments)."""
    _call("swap_proof_commitments", ezkl.swap_proof_commitments, proof_path=str(proof),
          witness_path=str(witness))


def mock(witness: Path, compiled: Path) -> bool:
    return bool(_call("mock", ezkl.mock, witness=str(witness), model=str(compiled)))


def prove(witness: Path, compiled: Path, pk: Path, proof: Path, srs: Path) -> dict[str, Any]:
    return dict(_call("prove", ezkl.prove, witness=str(witness), model=str(compiled),
                      pk_path=str(pk), proof_path=str(proof), srs_path=str(srs)))


def verify(proof: Path, settings: Path, vk: Path, srs: Path) -> tuple[bool, str]:
    """(valid, reason). ezkl raises on an invalid proof; halo2 errors mean 'invalid'."""
    try:
        with _quiet_stderr():
            ok = ezkl.verify(proof_path=str(proof), settings_path=str(settings), vk_path=str(vk),
                             srs_path=str(srs), reduced_srs=False)
    except BaseException as e:
        if not _is_failure(e):
            raise
        msg = _clean(e)
        if "[halo2]" in msg or "failed to load the proof" in msg or type(e).__name__ == "PanicException":
            # The proof itself is wrong (bad points, unsatisfied constraints, garbled JSON).
            return False, msg.removeprefix("run verify: ")
        raise EngineError(f"ezkl verify failed: {msg}") from None
    return bool(ok), "" if ok else "ezkl verify returned false"


def felt_to_float(felt: str, scale: int) -> float:
    return float(ezkl.felt_to_float(felt, scale))


def float_to_felt(value: float, scale: int) -> str:
    return str(ezkl.float_to_felt(value, scale, ezkl.PyInputType.F64))


def create_evm_verifier(vk: Path, settings: Path, sol: Path, abi: Path, srs: Path,
                        reusable: bool = False) -> None:
    """Write the Solidity verifier. ezkl then looks for an svm solc; see evm.py for that part."""
    _run("create_evm_verifier", ezkl.create_evm_verifier, vk_path=str(vk),
         settings_path=str(settings), sol_code_path=str(sol), abi_path=str(abi),
         srs_path=str(srs), reusable=reusable)


def create_evm_vka(vk: Path, settings: Path, vka: Path, srs: Path) -> None:
    """Write the circuit's verifying key artifact for ezkl's reusable verifier."""
    _run("create_evm_vka", ezkl.create_evm_vka, vk_path=str(vk), settings_path=str(settings),
         vka_path=str(vka), srs_path=str(srs))


def encode_evm_calldata(proof: Path, calldata: Path) -> bytes:
    return bytes(_call("encode_evm_calldata", ezkl.encode_evm_calldata, proof=str(proof),
                       calldata=str(calldata)))
