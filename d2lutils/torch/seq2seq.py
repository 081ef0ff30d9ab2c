"""Sequence-to-sequence learning with RNNs in PyTorch (explained in "Sequence to sequence learning")."""

__all__ = []
