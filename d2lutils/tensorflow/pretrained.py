"""An ImageNet-pretrained MobileNetV2 in TensorFlow (explained in "Fine-tuning")."""

__all__ = []
