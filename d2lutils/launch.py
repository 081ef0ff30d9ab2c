"""launch helpers (being written)."""

__all__ = []
