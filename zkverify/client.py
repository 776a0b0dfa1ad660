"""A client of ``zkverify serve``: verify a bundle remotely, or ask the node for a proven inference.

Errors are one-liners: a 4xx the node answers about what we sent becomes a UsageError family
error (exit 2: the input, bundle or circuit id is wrong); everything else (connection refused,
timeouts, auth, overload, server failures) is a ServiceError (exit 3).
"""

from __future__ import annotations

from typing import Any

import httpx

from .errors import BundleError, CircuitError, InputError, ServiceError, UsageError
from .manifest import ProofBundle

__all__ = ["infer_remote", "list_circuits", "verify_remote"]

VERIFY_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
# Proving waits in the node's queue first; the node answers 503 itself past its queue timeout.
INFER_TIMEOUT = httpx.Timeout(900.0, connect=10.0)


def verify_remote(url: str, bundle: ProofBundle | dict[str, Any]) -> dict[str, Any]:
    """The node's verdict: a dict with ``valid``, ``reason``, ``prediction``, ``circuit``, ..."""
    body = bundle.model_dump(mode="json") if isinstance(bundle, ProofBundle) else bundle
    result = _request("POST", url, "/v1/verify", BundleError, json=body,
                      timeout=VERIFY_TIMEOUT)
    if not isinstance(result, dict) or not isinstance(result.get("valid"), bool):
        raise ServiceError(f"{_base(url)}: the answer to /v1/verify has no verdict")
    result.setdefault("reason", "")
    return result


def list_circuits(url: str) -> list[dict[str, Any]]:
    result = _request("GET", url, "/v1/circuits", CircuitError, timeout=VERIFY_TIMEOUT)
    if not isinstance(result, list):
        raise ServiceError(f"{_base(url)}: /v1/circuits is not a list (is this a zkverify node?)")
    return result


def infer_remote(url: str, circuit_id: str | None, input_data: Any, token: str,
                 timeout: float | None = None) -> dict[str, Any]:
    """Ask the node to prove one inference; returns its answer with the bundle checked for form.

    ``circuit_id`` may be None when the node hosts exactly one circuit.
    """
    if circuit_id is None:
        listed = list_circuits(url)
        if len(listed) != 1:
            names = ", ".join(str(c.get("name") or c.get("id")) for c in listed) or "none"
            raise UsageError(f"{_base(url)} hosts {len(listed)} circuits ({names}); "
                             f"pick one with --circuit (its name or id)")
        circuit_id = str(listed[0].get("id"))
    result = _request("POST", url, f"/v1/circuits/{circuit_id}/infer", InputError, json=input_data,
                      headers={"Authorization": f"Bearer {token}"},
                      timeout=INFER_TIMEOUT if timeout is None else httpx.Timeout(timeout, connect=10.0))
    if not isinstance(result, dict) or "bundle" not in result:
        raise ServiceError(f"{_base(url)}: the answer to infer has no proof bundle")
    bundle = ProofBundle.from_obj(result["bundle"], f"{_base(url)} answer")
    if bundle.proof_hash() != result.get("proof_hash"):
        raise ServiceError(f"{_base(url)}: the answer's proof_hash does not match its bundle")
    return result


def _base(url: str) -> str:
    return url.rstrip("/")


def _request(method: str, url: str, path: str, client_error: type[UsageError], **kwargs: Any) -> Any:
    base = _base(url)
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"{url}: not an http(s) URL")
    try:
        r = httpx.request(method, base + path, **kwargs)
    except httpx.TimeoutException:
        raise ServiceError(f"{base}: timed out waiting for the node") from None
    except httpx.HTTPError as e:
        raise ServiceError(f"{base}: cannot reach the node ({error_reason(e)})") from None
    if r.is_success:
        try:
            return r.json()
        except ValueError:
            raise ServiceError(f"{base}{path}: the answer is not JSON (is this a zkverify node?)") from None
    detail = response_detail(r)
    if r.status_code == 404 and "unknown circuit" in detail:
        raise CircuitError(f"{base}: {detail}")
    if r.status_code in (400, 413, 422):
        raise client_error(f"{base}: {r.status_code} {detail}")
    raise ServiceError(f"{base}{path}: {r.status_code} {detail}")


def response_detail(r: httpx.Response) -> str:
    try:
        detail = r.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if not isinstance(detail, str):
        detail = r.reason_phrase or "error"
    return detail.splitlines()[0] if detail else "error"


def error_reason(e: httpx.HTTPError) -> str:
    text = str(e).strip()
    if "Connection refused" in text or "Connect call failed" in text:
        return "connection refused"
    return text.splitlines()[0] if text else type(e).__name__
