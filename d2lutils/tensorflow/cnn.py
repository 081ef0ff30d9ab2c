"""cnn helpers (being written)."""

__all__ = []
