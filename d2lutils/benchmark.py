"""Timing a block of code: :class:`Benchmark` (explained in "Compilers and interpreters",
used throughout the chapter "Computational performance").

Framework-free: it measures wall-clock time with :func:`time.perf_counter` and knows
nothing about devices. Code that runs asynchronously (a GPU, or TensorFlow's queues) must
end its block with a barrier, such as ``torch.cuda.synchronize()`` or ``.numpy()``, or
the block ends before the work does.
"""

import time

__all__ = ["Benchmark"]


class Benchmark:
    """Time the ``with`` block and print ``<description>: 0.1234 sec`` (explained in
    "Compilers and interpreters").

    >>> with Benchmark("1000 passes") as bench:   # doctest: +SKIP
    ...     run()
    1000 passes: 0.1234 sec
    >>> bench.seconds                             # doctest: +SKIP
    0.1234...

    The elapsed wall-clock time is kept in ``.seconds`` (``None`` until the block ends), so
    later cells can compare two measurements. If the block raises, nothing is printed, the
    time is still recorded, and the error propagates.
    """

    def __init__(self, description="Done"):
        if not isinstance(description, str):
            raise TypeError(f"description must be a str, got {type(description).__name__} {description!r}")
        self.description = description
        self.seconds = None
        self._start = None

    def __enter__(self):
        self.seconds = None
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.seconds = time.perf_counter() - self._start
        if exc_type is None:
            print(f"{self.description}: {self.seconds:.4f} sec")
        return False

    def __repr__(self):
        done = "running" if self.seconds is None else f"{self.seconds:.4f} sec"
        return f"Benchmark({self.description!r}, {done})"
