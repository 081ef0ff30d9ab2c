"""Real photos that ship with installed packages, for the vision chapter (explained in "Image
augmentation").
"""

__all__ = []
