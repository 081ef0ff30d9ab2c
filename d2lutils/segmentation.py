"""Semantic-segmentation data: Pascal VOC readers and an offline set built from real cutouts (explained
in "Semantic segmentation and the dataset").
"""

__all__ = []
