"""Bounding boxes and anchor boxes in PyTorch (explained in "Anchor boxes")."""

__all__ = []
