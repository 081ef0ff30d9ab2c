"""Timing and running sums: :class:`Timer` and :class:`Accumulator`."""

import time

import numpy as np


class Timer:
    """Record several running times (introduced in "Linear regression", used by every trainer).

    >>> timer = Timer()          # starts immediately
    >>> elapsed = timer.stop()   # seconds since start, also appended to ``timer.times``
    """

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start (or restart) the timer."""
        self._tik = time.perf_counter()

    def stop(self):
        """Stop the timer, record the interval and return it in seconds."""
        self.times.append(time.perf_counter() - self._tik)
        return self.times[-1]

    def avg(self):
        """Average of the recorded intervals."""
        if not self.times:
            raise ValueError("Timer.avg(): no interval recorded yet; call stop() first")
        return sum(self.times) / len(self.times)

    def sum(self):
        """Total of the recorded intervals."""
        return sum(self.times)

    def cumsum(self):
        """Running totals of the recorded intervals, as a list."""
        return np.cumsum(self.times).tolist()


class Accumulator:
    """Sum ``n`` running quantities, e.g. (total loss, correct predictions, examples).

    Introduced in "Softmax regression from scratch"; the trainers use it to average
    metrics over an epoch without keeping every batch's value.
    """

    def __init__(self, n):
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"Accumulator(n): n must be a positive int, got {n!r}")
        self.data = [0.0] * n

    def add(self, *args):
        """Add one value to each of the ``n`` sums (exactly ``n`` values)."""
        if len(args) != len(self.data):
            raise ValueError(f"Accumulator.add(): expected {len(self.data)} values, got {len(args)}")
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        """Set every sum back to zero."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]

    def __len__(self):
        return len(self.data)
