"""An ImageNet-pretrained MobileNetV2 in PyTorch (explained in "Fine-tuning")."""

__all__ = []
