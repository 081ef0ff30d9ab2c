"""Bounding boxes and anchor boxes in TensorFlow (explained in "Anchor boxes")."""

__all__ = []
