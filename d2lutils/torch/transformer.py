"""Positional encoding and the Transformer in PyTorch (explained in "The Transformer")."""

__all__ = []
