"""The ACME server (RFC 8555)."""

__all__: list[str] = []
