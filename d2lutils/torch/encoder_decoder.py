"""encoder_decoder helpers (being written)."""

__all__ = []
