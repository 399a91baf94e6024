"""MCP servers as tool sources for the agent (issue 15): configuration and trust, one hub that
runs every server off the caller's loop, and their tools as ``mcp__<server>__<tool>``."""
