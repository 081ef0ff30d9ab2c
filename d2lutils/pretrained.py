"""Reading pretrained checkpoints and ImageNet class names without a framework (explained in "Fine-
tuning").
"""

__all__ = []
