"""Semantic segmentation data and FCN helpers in TensorFlow (explained in "Fully convolutional networks")."""

__all__ = []
