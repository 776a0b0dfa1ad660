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

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--rpc {url}: not an http(s) URL")
        self.url = url
        self.timeout = timeout
        self._id = 0

    def request(self, method: str, *params: Any) -> Any:
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        req = urllib.request.Request(
            self.url, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                reply = json.loads(resp.read())
        except urllib.error.HTTPError as e:
            raise EvmError(f"node at {self.url} answered HTTP {e.code} to {method}") from None
        except urllib.error.URLError as e:
            raise EvmError(f"cannot reach node at {self.url}: {_reason(e.reason)}") from None
        except (TimeoutError, OSError) as e:
            raise EvmError(f"cannot reach node at {self.url}: {_reason(e)}") from None
        except ValueError:
            raise EvmError(f"node at {self.url} did not answer JSON-RPC to {method}") from None
        if not isinstance(reply, dict):
            raise EvmError(f"node at {self.url} gave a malformed reply to {method}")
        if "error" in reply:
            err = reply["error"]
            if not isinstance(err, dict):
                err = {"message": err}
            message = str(err.get("message", err))
            if "revert" in message.lower():
                raise RpcRevert(message)
            raise EvmError(f"node at {self.url} refused {method}: {message}")
        return reply.get("result")

    def chain_id(self) -> int:
        return int(self.request("eth_chainId"), 16)

    def sender(self) -> str:
        accounts = self.request("eth_accounts") or []
        if not accounts:
            raise EvmError(
                f"node at {self.url} has no unlocked account to deploy from: deploy the "
                "verifier yourself and pass --address"
            )
        return str(accounts[0])

    def send(self, tx: dict[str, Any], wait: float = 60.0) -> Receipt:
        """Send a transaction from an unlocked account and wait for its receipt."""
        tx_hash = str(self.request("eth_sendTransaction", tx))
        deadline = time.monotonic() + wait
        while True:
            receipt = self.request("eth_getTransactionReceipt", tx_hash)
            if receipt:
                return Receipt(
                    status=int(receipt.get("status", "0x0"), 16) == 1,
                    gas_used=int(receipt["gasUsed"], 16),
                    contract_address=receipt.get("contractAddress"),
                    tx_hash=tx_hash,
                )
            if time.monotonic() > deadline:
                raise EvmError(
                    f"node at {self.url}: transaction {tx_hash} not mined in {wait:.0f} s"
                )
            time.sleep(0.1)

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
        code = self.request("eth_getCode", receipt.contract_address, "latest")
        if not code or code == "0x":
            raise EvmError(
                f"node at {self.url}: no code at {receipt.contract_address} after deployment"
            )
        return str(receipt.contract_address), receipt.gas_used

    def call(self, to: str, data: bytes, sender: str | None = None) -> bytes:
        """``eth_call`` at the latest block; raises RpcRevert when the call reverts."""
        tx: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
        if sender:
            tx["from"] = sender
        result = self.request("eth_call", tx, "latest")
        return bytes.fromhex(str(result or "0x")[2:])

    def estimate_gas(self, to: str, data: bytes, sender: str | None = None) -> int:
        tx: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
        if sender:
            tx["from"] = sender
        return int(self.request("eth_estimateGas", tx), 16)

    def has_code(self, address: str) -> bool:
        code = self.request("eth_getCode", address, "latest")
        return bool(code) and code != "0x"


def _reason(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason)
    return text.splitlines()[0] if text else "no answer"
