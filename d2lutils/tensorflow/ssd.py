"""Single shot multibox detection and its data in TensorFlow (explained in "Single shot multibox
detection").
"""

__all__ = []
