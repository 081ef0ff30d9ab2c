"""Image helpers: augmentation, transposed convolution, RoI pooling in TensorFlow (explained in "Image
augmentation").
"""

__all__ = []
