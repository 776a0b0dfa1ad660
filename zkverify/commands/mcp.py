"""`zkverify mcp`: verified inference as tools for AI agents (Model Context Protocol)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import UsageError
from .serve import TOKEN_ENV, read_token

CIRCUITS_ENV = "ZKVERIFY_MCP_CIRCUITS"
NODE_ENV = "ZKVERIFY_MCP_NODE"
REGISTRY_ENV = "ZKVERIFY_MCP_REGISTRY"
RPC_ENV = "ZKVERIFY_MCP_RPC"


def parse_http(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--http {value}: expected HOST:PORT, e.g. 127.0.0.1:8765")
    return host.strip("[]"), int(port)


@click.command("mcp")
@click.option("--circuit", "circuits", multiple=True, type=click.Path(path_type=Path),
              help=f"A circuit directory to offer (repeatable; default: ${CIRCUITS_ENV}, "
                   f"directories separated by {os.pathsep!r}).")
@click.option("--node", envvar=NODE_ENV, help=f"A zkverify node to list, prove on and fetch "
                                              f"circuits from (default: ${NODE_ENV}).")
@click.option("--registry", "registry_address", envvar=REGISTRY_ENV, metavar="ADDR",
              help=f"A zkverify registry: list its circuits, infer on its nodes with failover "
                   f"(default: ${REGISTRY_ENV}; needs --rpc).")
@click.option("--rpc", "rpc_url", envvar=RPC_ENV, metavar="URL",
              help=f"The registry chain's JSON-RPC URL (default: ${RPC_ENV}).")
@click.option("--token-file", type=click.Path(path_type=Path),
              help=f"File holding the node's bearer token (default: ${TOKEN_ENV}); never shown.")
@click.option("--bundles", "bundles_dir", type=click.Path(path_type=Path),
              help="Directory where infer writes proof bundles (default: the user data dir).")
@click.option("--http", "http", metavar="HOST:PORT",
              help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio.")
def mcp(circuits: tuple[Path, ...], node: str | None, registry_address: str | None,
        rpc_url: str | None, token_file: Path | None, bundles_dir: Path | None,
        http: str | None) -> None:
    """Run an MCP server (stdio by default) with list_circuits, infer and verify tools."""
    from ..extras import require

    require("mcp")
    import platformdirs

    from ..agents.server import create_server
    from ..agents.tools import Agent, default_fetch_dir

    dirs = list(circuits) or [Path(p) for p in os.environ.get(CIRCUITS_ENV, "").split(os.pathsep) if p]
    if not dirs and not node and not registry_address:
        raise UsageError(f"no circuits: pass --circuit DIR (or set {CIRCUITS_ENV}), --node URL "
                         f"and/or --registry ADDR --rpc URL")
    if node and registry_address:
        raise UsageError("--node and --registry: pick one (the registry lists the nodes)")
    registry = None
    if registry_address:
        if not rpc_url:
            raise UsageError(f"--registry needs --rpc URL (or ${RPC_ENV})")
        from .registry import open_registry

        registry = open_registry(rpc_url, registry_address, sign=False)
    address = parse_http(http) if http else None
    bundles = bundles_dir or Path(platformdirs.user_data_dir("zkverify")) / "mcp-bundles"
    agent = Agent.create(dirs, node, read_token(token_file), bundles, default_fetch_dir(), registry)
    server = create_server(agent)
    if address is None:
        server.run("stdio")
    else:
        click.echo(f"zkverify: MCP over streamable HTTP on http://{address[0]}:{address[1]}/mcp",
                   err=True)
        server.run("streamable-http", host=address[0], port=address[1])
