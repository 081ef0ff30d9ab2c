"""benchmark helpers (being written)."""

__all__ = []
