"""rnn helpers (being written)."""

__all__ = []
