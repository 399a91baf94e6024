"""dsdesk — a native desktop coding assistant for DeepSeek V4."""

__version__ = "0.1.0"
