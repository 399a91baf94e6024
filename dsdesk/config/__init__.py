"""Application settings (TOML under the platform config dir) and the API key (OS keyring)."""
