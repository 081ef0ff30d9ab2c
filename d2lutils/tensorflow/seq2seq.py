"""Sequence-to-sequence learning with RNNs in TensorFlow (explained in "Sequence to sequence learning")."""

__all__ = []
