"""Single shot multibox detection and its data in PyTorch (explained in "Single shot multibox
detection").
"""

__all__ = []
