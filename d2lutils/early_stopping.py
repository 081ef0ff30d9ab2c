"""Early stopping without a framework (explained in "Predicting COVID-19 cases").

The rule is the one of ``keras.callbacks.EarlyStopping`` with ``mode="min"``: an epoch
improves when its value is below the best so far by more than ``min_delta``; training stops
once ``patience`` epochs in a row have not improved.
"""

import math


class EarlyStopping:
    """Track a validation value to minimize; say when it improved and when to stop.

    Explained in "Predicting COVID-19 cases". Call :meth:`step` once per epoch with the
    epoch number (counting from 1) and the validation value. It returns ``True`` when the
    value is a new best, the moment to save a checkpoint. Afterwards ``best`` and
    ``best_epoch`` hold the best value and its epoch, ``epoch`` the last epoch seen and
    ``should_stop`` whether ``patience`` epochs have passed without an improvement.
    """

    def __init__(self, patience, min_delta=0.0):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be a positive int, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.best = math.inf
        self.best_epoch = None
        self.epoch = None
        self.wait = 0

    def step(self, epoch, value):
        """Record ``value`` for ``epoch``; return ``True`` when it is a new best."""
        value = float(value)
        if math.isnan(value):
            raise ValueError(f"validation value at epoch {epoch} is NaN: training diverged")
        if self.epoch is not None and epoch <= self.epoch:
            raise ValueError(f"epochs must increase: got {epoch} after {self.epoch}")
        self.epoch = epoch
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            return True
        self.wait += 1
        return False

    @property
    def should_stop(self):
        """``True`` once ``patience`` epochs in a row did not improve on the best value."""
        return self.wait >= self.patience

    def __repr__(self):
        return (
            f"EarlyStopping(patience={self.patience}, best={self.best:.4g}, "
            f"best_epoch={self.best_epoch}, epoch={self.epoch}, wait={self.wait})"
        )
