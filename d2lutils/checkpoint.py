"""The error of the checkpoint helpers (explained in "Predicting COVID-19 cases").

``d2lutils.torch.load_checkpoint`` and ``d2lutils.tensorflow.load_checkpoint`` raise it when a
checkpoint does not fit the model it is loaded into; the model is then left as it was.
"""


class CheckpointError(ValueError):
    """A checkpoint that does not match the model: other layers, other shapes, a bad file.

    Explained in "Predicting COVID-19 cases". Raised by ``load_checkpoint`` in both framework
    halves, before or instead of changing any weight, so a model is never half loaded.
    """
