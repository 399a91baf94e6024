"""The API key: ``DEEPSEEK_API_KEY`` overrides the OS keyring. Never a plain-text file.

On a box without a usable keyring (no Secret Service, or only a plain-text backend such as
keyrings.alt's), storing is refused with a message that says to use the environment variable.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import keyring
import keyring.errors

from dsdesk.core.redact import remember_secret

SERVICE = "dsdesk"
USERNAME = "deepseek-api-key"
ENV_VAR = "DEEPSEEK_API_KEY"
_INSECURE = ("Plaintext", "Null", "fail.Keyring", "Uncrypted", "EncryptedKeyring")


class KeyringUnavailable(Exception):
    """No secure OS keyring can be used here; ``str()`` says what to do instead."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    value: str | None = field(repr=False)
    source: str  # "environment", "keyring", or "none"


def _backend() -> keyring.backend.KeyringBackend:
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if any(bad in name for bad in _INSECURE) or getattr(backend, "priority", 1) <= 0:
        raise KeyringUnavailable(
            "No secure OS keyring is available on this system, so dsdesk will not store the "
            f"key. Set the {ENV_VAR} environment variable instead."
        )
    return backend


def _get(service: str, name: str) -> str | None:
    """The stored value (remembered for redaction); None if absent or there is no keyring."""
    try:
        value = _backend().get_password(service, name)
    except (KeyringUnavailable, keyring.errors.KeyringError, RuntimeError, OSError):
        return None
    remember_secret(value)
    return value or None


def _set(service: str, name: str, value: str, what: str, advice: str = "") -> None:
    try:
        _backend().set_password(service, name, value)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(
            f"The OS keyring refused the {what} ({type(exc).__name__}).{advice}"
        ) from exc


def keyring_status() -> str | None:
    """None when a secure keyring is usable, else the plain-language reason."""
    try:
        _backend()
    except KeyringUnavailable as exc:
        return str(exc)
    return None


def load_api_key() -> ApiKey:
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        remember_secret(env)
        return ApiKey(env, "environment")
    value = _get(SERVICE, USERNAME)
    return ApiKey(value, "keyring") if value else ApiKey(None, "none")


def store_api_key(value: str) -> None:
    """Save to the keyring; raises ``KeyringUnavailable`` with a user-facing message."""
    value = value.strip()
    if not value:
        raise ValueError("the key is empty")
    _set(SERVICE, USERNAME, value, "key", f" Set the {ENV_VAR} environment variable instead.")


def delete_api_key() -> None:
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        _backend().delete_password(SERVICE, USERNAME)


# -- secrets of MCP servers ("keyring:NAME" in mcp.json) -----------------------------------------

MCP_SERVICE = "dsdesk-mcp"


def load_mcp_secret(name: str) -> str | None:
    """The value stored as ``name`` for MCP server configs; None if absent or no keyring."""
    return _get(MCP_SERVICE, name)


def store_mcp_secret(name: str, value: str) -> None:
    """Save ``value`` as ``name``; raises ``KeyringUnavailable`` with a user-facing message."""
    if not value:
        raise ValueError("the value is empty")
    _set(MCP_SERVICE, name, value, "secret")
