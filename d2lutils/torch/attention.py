"""attention helpers (being written)."""

__all__ = []
