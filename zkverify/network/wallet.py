"""Who signs the registry's transactions: an unlocked node account (anvil, the default) or a
private key (real chains) read from ``--private-key-file`` or ``$ZKVERIFY_PRIVATE_KEY``.

The key is read once, kept only inside eth-account's ``LocalAccount`` and never printed, logged
or put in an error message (errors name the file, not its content).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..chain import Receipt, RpcClient, RpcRevert
from ..errors import EvmError, UsageError

KEY_ENV = "ZKVERIFY_PRIVATE_KEY"
DEFAULT_GAS = 10_000_000


def read_private_key(key_file: Path | None) -> str | None:
    """The key from the file (one line, hex) or the environment, else None (unlocked account)."""
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{key_file}: cannot read the private key file "
                             f"({e.__class__.__name__})") from None
        where = str(key_file)
    else:
        text = os.environ.get(KEY_ENV, "").strip()
        where = f"${KEY_ENV}"
        if not text:
            return None
    body = text[2:] if text.startswith("0x") else text
    if len(body) != 64 or set(body.lower()) - set("0123456789abcdef"):
        raise UsageError(f"{where}: expected one private key, 64 hex digits")
    return "0x" + body.lower()


@dataclass
class Wallet:
    """Sends transactions to one node, from an unlocked account or signed with a key."""

    client: RpcClient
    address: str
    _account: Any = None  # eth_account LocalAccount when signing locally; repr never shows the key

    def __repr__(self) -> str:
        return f"Wallet({self.client.url}, {self.address}, signed={self._account is not None})"

    @classmethod
    def connect(cls, rpc_url: str, private_key: str | None = None) -> Wallet:
        client = RpcClient(rpc_url)
        if private_key is None:
            return cls(client, client.sender())
        limit = sys.getrecursionlimit()
        try:
            from eth_account import Account
        finally:
            # py_ecc (imported by eth-account) raises the limit to 100000 for the whole process:
            # then a node's JSON parser would recurse that deep on a nested body and could
            # overflow the C stack instead of refusing it (400).
            sys.setrecursionlimit(limit)
        account = Account.from_key(private_key)
        return cls(client, str(account.address), account)

    @property
    def signs_locally(self) -> bool:
        return self._account is not None

    def transact(self, to: str | None, data: bytes, gas: int | None = None,
                 wait: float = 120.0) -> Receipt:
        """Send a transaction; a revert is an RpcRevert (checked first with eth_call)."""
        tx: dict[str, Any] = {"from": self.address, "data": "0x" + data.hex()}
        if to is not None:
            tx["to"] = to
            # eth_call first: a revert then comes back with its reason, and nothing is mined.
            self.client.request("eth_call", tx, "latest")
        if gas is None:
            try:
                gas = int(self.client.quantity(self.client.request("eth_estimateGas", tx),
                                               "eth_estimateGas") * 1.25) + 10_000
            except RpcRevert:
                raise
            except EvmError:
                gas = DEFAULT_GAS
        tx["gas"] = hex(gas)
        if self._account is None:
            return self.client.send(tx, wait)
        return self._send_signed(tx, wait)

    def _send_signed(self, tx: dict[str, Any], wait: float) -> Receipt:
        c = self.client
        nonce = c.quantity(c.request("eth_getTransactionCount", self.address, "pending"),
                           "eth_getTransactionCount", "nonce")
        block = c.request("eth_getBlockByNumber", "latest", False)
        base = c.quantity((block or {}).get("baseFeePerGas", "0x0"), "eth_getBlockByNumber",
                          "base fee")
        try:
            tip = c.quantity(c.request("eth_maxPriorityFeePerGas"), "eth_maxPriorityFeePerGas")
        except EvmError:
            tip = 10**9
        signed_tx = {"chainId": c.chain_id(), "nonce": nonce, "gas": int(tx["gas"], 16),
                     "maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip,
                     "data": tx["data"], "value": 0, "type": 2}
        if "to" in tx:
            from eth_utils import to_checksum_address

            signed_tx["to"] = to_checksum_address(tx["to"])
        raw = self._account.sign_transaction(signed_tx).raw_transaction
        tx_hash = c.request("eth_sendRawTransaction", "0x" + bytes(raw).hex())
        if not isinstance(tx_hash, str):
            raise EvmError(f"node at {c.url} gave a malformed transaction hash")
        return wait_receipt(c, tx_hash, wait)

    def deploy(self, bytecode: bytes, gas: int = 30_000_000) -> tuple[str, int]:
        """Deploy ``bytecode``; (address, gas used)."""
        if self._account is None:
            return self.client.deploy(bytecode, self.address, gas=gas)
        receipt = self._send_signed({"data": "0x" + bytecode.hex(), "gas": hex(gas)}, 120.0)
        if not receipt.status or not receipt.contract_address:
            raise EvmError(f"node at {self.client.url} refused the deployment (transaction "
                           f"{receipt.tx_hash} failed)")
        return str(receipt.contract_address), receipt.gas_used


def wait_receipt(client: RpcClient, tx_hash: str, wait: float) -> Receipt:
    deadline = time.monotonic() + wait
    while True:
        receipt = client.request("eth_getTransactionReceipt", tx_hash)
        if receipt:
            return client._receipt(receipt, tx_hash)
        if time.monotonic() > deadline:
            raise EvmError(f"node at {client.url}: transaction {tx_hash} not mined in {wait:.0f} s")
        time.sleep(0.1)
