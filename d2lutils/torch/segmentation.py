"""Semantic segmentation data and FCN helpers in PyTorch (explained in "Fully convolutional networks")."""

__all__ = []
