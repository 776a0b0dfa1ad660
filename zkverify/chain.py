"""A minimal Ethereum JSON-RPC client (urllib only): deploy a contract and call it on a node.

Deployment uses ``eth_sendTransaction`` from the node's first unlocked account, which is what
development nodes (anvil, hardhat, geth --dev) offer. For a node without unlocked accounts,
deploy the verifier yourself and pass its address: verification then needs only ``eth_call``
and ``eth_estimateGas``, which any node answers without a key.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from .errors import EvmError, UsageError

# The largest JSON-RPC reply read from a node. Real answers here are small (a receipt, a few
# KB of contract code); a node that streams more is broken or hostile, and reading it all
# would let it fill our memory.
MAX_RESPONSE = 16 << 20


class RpcRevert(Exception):
    """The node executed the call and it reverted (an invalid proof, for a verifier)."""


@dataclass(frozen=True)
class Receipt:
    status: bool
    gas_used: int
    contract_address: str | None
    tx_hash: str


class RpcClient:
    """JSON-RPC over HTTP with one-line errors naming the node."""

    def __init__(self, url: str, timeout: float = 30.0, max_response: int = MAX_RESPONSE) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--rpc {url}: not an http(s) URL")
        self.url = url
        self.timeout = timeout
        self.max_response = max_response
        self._id = 0

    def request(self, method: str, *params: Any) -> Any:
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        req = urllib.request.Request(
            self.url, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read(self.max_response + 1)
            if len(raw) > self.max_response:
                raise EvmError(f"node at {self.url} answered more than "
                               f"{self.max_response >> 20} MiB to {method}; not read")
            reply = json.loads(raw)
        except urllib.error.HTTPError as e:
            raise EvmError(f"node at {self.url} answered HTTP {e.code} to {method}") from None
        except urllib.error.URLError as e:
            raise EvmError(f"cannot reach node at {self.url}: {_reason(e.reason)}") from None
        except (TimeoutError, OSError) as e:
            raise EvmError(f"cannot reach node at {self.url}: {_reason(e)}") from None
        except (ValueError, RecursionError):
            raise EvmError(f"node at {self.url} did not answer JSON-RPC to {method}") from None
        if not isinstance(reply, dict):
            raise EvmError(f"node at {self.url} gave a malformed reply to {method}")
        if "error" in reply:
            err = reply["error"]
            if not isinstance(err, dict):
                err = {"message": err}
            message = str(err.get("message", err))
            if "revert" in message.lower():
                data = err.get("data")
                # The revert data (a custom error's selector and arguments) names the rule.
                raise RpcRevert(f"{message} {data}" if isinstance(data, str) else message)
            raise EvmError(f"node at {self.url} refused {method}: {message}")
        return reply.get("result")

    def _malformed(self, method: str, what: str) -> EvmError:
        return EvmError(f"node at {self.url} gave a malformed {what} to {method}")

    def quantity(self, value: Any, method: str, what: str = "number") -> int:
        """A JSON-RPC quantity ("0x1a"); anything else is a one-line EvmError, not a traceback."""
        if not isinstance(value, str) or not value.startswith("0x"):
            raise self._malformed(method, what)
        try:
            return int(value, 16)
        except ValueError:
            raise self._malformed(method, what) from None

    def data(self, value: Any, method: str, what: str = "data") -> bytes:
        """JSON-RPC data ("0x..." hex bytes); None and "0x" are empty."""
        if value is None:
            return b""
        if not isinstance(value, str) or not value.startswith("0x"):
            raise self._malformed(method, what)
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            raise self._malformed(method, what) from None

    def chain_id(self) -> int:
        return self.quantity(self.request("eth_chainId"), "eth_chainId", "chain id")

    def sender(self) -> str:
        accounts = self.request("eth_accounts") or []
        if not isinstance(accounts, list) or not all(isinstance(a, str) for a in accounts):
            raise self._malformed("eth_accounts", "account list")
        if not accounts:
            raise EvmError(
                f"node at {self.url} has no unlocked account to deploy from: deploy the "
                "verifier yourself and pass --address"
            )
        return str(accounts[0])

    def send(self, tx: dict[str, Any], wait: float = 60.0) -> Receipt:
        """Send a transaction from an unlocked account and wait for its receipt."""
        tx_hash = self.request("eth_sendTransaction", tx)
        if not isinstance(tx_hash, str):
            raise self._malformed("eth_sendTransaction", "transaction hash")
        deadline = time.monotonic() + wait
        while True:
            receipt = self.request("eth_getTransactionReceipt", tx_hash)
            if receipt:
                return self._receipt(receipt, tx_hash)
            if time.monotonic() > deadline:
                raise EvmError(
                    f"node at {self.url}: transaction {tx_hash} not mined in {wait:.0f} s"
                )
            time.sleep(0.1)

    def _receipt(self, receipt: Any, tx_hash: str) -> Receipt:
        method = "eth_getTransactionReceipt"
        if not isinstance(receipt, dict):
            raise self._malformed(method, "receipt")
        address = receipt.get("contractAddress")
        if address is not None and not isinstance(address, str):
            raise self._malformed(method, "receipt (contractAddress)")
        return Receipt(
            status=self.quantity(receipt.get("status", "0x0"), method, "receipt (status)") == 1,
            gas_used=self.quantity(receipt.get("gasUsed"), method, "receipt (gasUsed)"),
            contract_address=address,
            tx_hash=tx_hash,
        )

    def deploy(self, bytecode: bytes, sender: str, gas: int = 30_000_000) -> tuple[str, int]:
        """Deploy ``bytecode``; return (address, gas used). A refusal is an EvmError."""
        try:
            receipt = self.send({"from": sender, "data": "0x" + bytecode.hex(), "gas": hex(gas)})
        except RpcRevert as e:
            raise EvmError(f"node at {self.url} refused the deployment: {e}") from None
        except EvmError as e:
            if " refused " not in str(e):
                raise
            reason = str(e).split(": ", 1)[-1]
            raise EvmError(f"node at {self.url} refused the deployment: {reason}") from None
        if not receipt.status or not receipt.contract_address:
            raise EvmError(
                f"node at {self.url} refused the deployment (transaction {receipt.tx_hash} failed; "
                f"{len(bytecode)} bytes of init code)"
            )
        if not self.get_code(receipt.contract_address):
            raise EvmError(
                f"node at {self.url}: no code at {receipt.contract_address} after deployment"
            )
        return str(receipt.contract_address), receipt.gas_used

    def call(self, to: str, data: bytes, sender: str | None = None) -> bytes:
        """``eth_call`` at the latest block; raises RpcRevert when the call reverts."""
        tx: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
        if sender:
            tx["from"] = sender
        return self.data(self.request("eth_call", tx, "latest"), "eth_call", "call result")

    def estimate_gas(self, to: str, data: bytes, sender: str | None = None) -> int:
        tx: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
        if sender:
            tx["from"] = sender
        return self.quantity(self.request("eth_estimateGas", tx), "eth_estimateGas", "gas estimate")

    def get_code(self, address: str) -> bytes:
        """The runtime code at ``address`` (empty when there is no contract)."""
        return self.data(self.request("eth_getCode", address, "latest"), "eth_getCode", "code")

    def has_code(self, address: str) -> bool:
        return bool(self.get_code(address))


def _reason(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason)
    return text.splitlines()[0] if text else "no answer"
