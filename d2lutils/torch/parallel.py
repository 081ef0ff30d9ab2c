"""parallel helpers (being written)."""

__all__ = []
