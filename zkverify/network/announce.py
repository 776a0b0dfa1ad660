"""``zkverify serve --registry ADDR --rpc URL --announce PUBLIC_URL``: a node adds itself to the
registry for each circuit it hosts when it starts, and removes those entries on a clean
shutdown (a node that crashes leaves its entries; clients skip it after a failed health check).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import ZkVerifyError
from .registry import Registry

log = logging.getLogger("zkverify.network")


@dataclass
class Announcer:
    registry: Registry
    public_url: str
    circuits: dict[str, str]  # circuit id -> vk sha256 of the hosted circuit
    warn: Callable[[str], None] = log.warning
    announced: list[str] = field(default_factory=list)
    gas: dict[str, int] = field(default_factory=dict)

    def announce(self) -> list[str]:
        """Add this node for every hosted circuit published with the same vk; the ids added."""
        for cid, vk in self.circuits.items():
            entry = self.registry.circuit(cid)
            if entry is None:
                self.warn(f"circuit {cid[:16]}… is not published in the registry at "
                          f"{self.registry.address}: not announced (run `zkverify publish` first)")
                continue
            if entry.vk_hash != vk:
                self.warn(f"circuit {cid[:16]}…: the registry records vk {entry.vk_hash[:12]}…, "
                          f"this node's is {vk[:12]}…: not announced")
                continue
            receipt = self.registry.add_node(cid, self.public_url)
            self.gas[cid] = receipt.gas_used
            self.announced.append(cid)
        return list(self.announced)

    def withdraw(self) -> None:
        for cid in list(self.announced):
            try:
                self.registry.remove_node(cid, self.public_url)
                self.announced.remove(cid)
            except ZkVerifyError as e:  # the chain may be gone first; say so, finish shutting down
                self.warn(f"could not remove {self.public_url} for circuit {cid[:16]}…: {e}")


def with_announcement(app: Any, announcer: Announcer) -> Any:
    """Wrap the app's lifespan: announce after the node is ready, withdraw on clean shutdown."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with inner(a) as state:
            await asyncio.to_thread(announcer.announce)
            try:
                yield state
            finally:
                await asyncio.to_thread(announcer.withdraw)

    app.router.lifespan_context = lifespan
    app.state.announcer = announcer
    return app
