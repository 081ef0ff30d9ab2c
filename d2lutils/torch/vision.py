"""Image helpers: augmentation, transposed convolution, RoI pooling in PyTorch (explained in "Image
augmentation").
"""

__all__ = []
