"""Showing secrets safely: never the whole key, anywhere."""


def mask_key(key: str | None) -> str:
    """ "sk-…a1b2" — enough to tell keys apart, never the whole secret."""
    if not key:
        return "(none)"
    return f"{key[:3]}…{key[-4:]}" if len(key) > 10 else "…" * 3
