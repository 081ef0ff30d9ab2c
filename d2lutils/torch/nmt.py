"""nmt helpers (being written)."""

__all__ = []
