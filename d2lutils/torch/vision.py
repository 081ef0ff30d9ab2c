"""Image helpers in PyTorch: RoI pooling through torchvision (explained in "Region-based CNNs
(R-CNNs)").
"""

import torch

from d2lutils.images import _check_rois, _pair

__all__ = ["roi_pool"]


def roi_pool(features, boxes, output_size, spatial_scale=1.0):
    """RoI max pooling of ``features`` (N, C, H, W) over ``boxes`` (K, 5), rows
    ``[batch_idx, x1, y1, x2, y2]`` in image coordinates; returns (K, C, out_h, out_w).

    Checks its arguments (a box with x2 < x1 raises ValueError naming the box), then calls
    ``torchvision.ops.roi_pool``. Mirrors ``d2lutils.tensorflow.roi_pool`` (explained in
    "Region-based CNNs (R-CNNs)").
    """
    import torchvision

    if not isinstance(features, torch.Tensor) or features.ndim != 4:
        raise ValueError(
            f"features must be a 4-D tensor (N, C, H, W), got {getattr(features, 'shape', type(features))}"
        )
    boxes = torch.as_tensor(boxes, dtype=features.dtype, device=features.device)
    _check_rois(boxes.detach().cpu().numpy(), features.shape[0])
    output_size = _pair("output_size", output_size)
    if isinstance(spatial_scale, bool) or not isinstance(spatial_scale, int | float) or spatial_scale <= 0:
        raise ValueError(f"spatial_scale must be a positive number, got {spatial_scale!r}")
    return torchvision.ops.roi_pool(features, boxes, output_size, float(spatial_scale))
