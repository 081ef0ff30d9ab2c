"""Positional encoding and the Transformer in TensorFlow (explained in "The Transformer")."""

__all__ = []
