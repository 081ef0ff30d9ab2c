"""text helpers (being written)."""

__all__ = []
