"""Verified inference for AI agents: the tools (:mod:`.tools`, no MCP import) and the MCP server
that exposes them (:mod:`.server`, needs the ``mcp`` extra)."""
