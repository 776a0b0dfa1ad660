"""How the command line fails: one line (or one JSON object), a documented exit code, no traceback.

Every way a command can end badly goes through :func:`run`:

* a ``ZkVerifyError`` prints ``error: <message>`` and exits with the error's code;
* click's usage errors print ``error: <message> (see 'zkverify CMD --help')``, exit 2, instead
  of click's four-line block;
* a missing optional dependency (``torch``, ``onnx``, ``onnxruntime`` for export/build/tune/
  estimate; ``fastapi``, ``uvicorn`` for serve; ``ray``; ``mcp`` for ``zkverify mcp``) exits 2
  and names the install command, so a CI gate never reads it as exit 1, "invalid proof";
* anything else is a bug: ``error: internal error: <type>: <message>``, exit 1, with a hint.

``--debug`` (or ``ZKVERIFY_DEBUG=1``) lets the exception through, with its traceback. Under
``--json`` the error is also written to stdout as ``{"error": "...", "exit_code": N}`` and
nothing else is, so a pipeline always reads one JSON document.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from .errors import ZkVerifyError
from .extras import missing_extra

DEBUG_ENV = "ZKVERIFY_DEBUG"
EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


def debug_requested(args: Sequence[str]) -> bool:
    return "--debug" in args or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def one_line(message: str) -> str:
    return " ".join(str(message).split())


def fail(message: str, code: int, as_json: bool | None = None) -> NoReturn:
    """Print one error line on stderr (and the JSON object on stdout under --json), then exit."""
    message = one_line(message)
    if as_json is None:
        as_json = _json_mode()
    if as_json:
        click.echo(json.dumps({"error": message, "exit_code": code}))
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


# click >= 8.2 raises this for a bare `zkverify`; older clicks print the help themselves.
_NO_ARGS: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())
_state: dict[str, bool] = {"json": False}


def _json_mode() -> bool:
    return _state["json"]


def run(click_main: Callable[..., Any], args: Sequence[str] | None, prog_name: str | None,
        **extra: Any) -> NoReturn:
    """Run ``click_main`` (a click group's ``main``) under the policy in the module docstring."""
    argv = list(sys.argv[1:] if args is None else args)
    debug = debug_requested(argv)
    _state["json"] = "--json" in argv
    try:
        _run(click_main, argv, prog_name, debug, **extra)
    finally:
        _state["json"] = False  # a command group invoked directly (tests) must not inherit it


def _run(click_main: Callable[..., Any], argv: list[str], prog_name: str | None, debug: bool,
         **extra: Any) -> NoReturn:
    try:
        rv = click_main(argv, prog_name, standalone_mode=False, **extra)
    except ZkVerifyError as e:
        if debug:
            raise
        fail(str(e), e.exit_code)
    except _NO_ARGS as e:  # `zkverify` alone: the help, as click does
        click.echo(e.ctx.get_help() if e.ctx else e.format_message(), err=True)
        sys.exit(EXIT_USAGE)
    except click.UsageError as e:
        where = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
        fail(f"{e.format_message().rstrip('.')}{where}", e.exit_code)
    except click.ClickException as e:
        fail(e.format_message(), e.exit_code)
    except click.Abort as e:
        if debug and e.__cause__ is not None and not isinstance(e.__cause__, KeyboardInterrupt):
            raise
        if isinstance(e.__cause__, EOFError):  # click turns any EOFError into Abort
            fail(f"internal error: EOFError: {e.__cause__} (rerun with --debug for the "
                 f"traceback)", EXIT_INTERNAL)
        fail("interrupted", EXIT_INTERRUPTED)
    except ModuleNotFoundError as e:
        if debug:
            raise
        err = missing_extra(e)
        if err is None:
            _internal(e)
        fail(str(err), err.exit_code)
    except Exception as e:
        if debug:
            raise
        _internal(e)
    sys.exit(rv if isinstance(rv, int) else 0)


def _internal(e: BaseException) -> NoReturn:
    text = str(e).strip().splitlines()
    detail = f"{type(e).__name__}: {text[0]}" if text else type(e).__name__
    fail(f"internal error: {detail} (rerun with --debug, or set {DEBUG_ENV}=1, for the traceback; "
         f"please report it)", EXIT_INTERNAL)
