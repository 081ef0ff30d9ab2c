"""Object-detection datasets: the banana-detection reader and an offline set built from real photos
(explained in "The object detection dataset").
"""

__all__ = []
