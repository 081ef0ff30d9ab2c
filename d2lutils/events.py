"""Reading TensorBoard event files back (explained in "Predicting COVID-19 cases").

TensorBoard is an interactive web page, which a static site cannot show. The event files
it reads are plain records, though, and tensorboard's own ``EventAccumulator`` reads them
without TensorFlow, so the curves can be drawn with Matplotlib as well.
"""

from pathlib import Path

import numpy as np


def read_scalars(logdir):
    """Read every scalar series under ``logdir``: ``{run: {tag: (steps, values)}}``.

    Explained in "Predicting COVID-19 cases". A *run* is a folder holding event files,
    named by its path relative to ``logdir`` (``"."`` for ``logdir`` itself). Both ways of
    storing a scalar are read: PyTorch's ``SummaryWriter`` writes classic scalar summaries,
    ``tf.summary`` (and so Keras's TensorBoard callback) writes scalar tensors. ``steps`` is an
    int array and ``values`` a float array, sorted by step. Raises :class:`FileNotFoundError`
    when ``logdir`` holds no event file.
    """
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util

    logdir = Path(logdir)
    runs = sorted({p.parent for p in logdir.rglob("events.out.tfevents.*")})
    if not runs:
        raise FileNotFoundError(f"no TensorBoard event files under {logdir}")
    result = {}
    for run in runs:
        acc = ea.EventAccumulator(str(run), size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
        acc.Reload()
        series = {}
        for tag in acc.Tags()["scalars"]:
            events = acc.Scalars(tag)
            series[tag] = ([e.step for e in events], [e.value for e in events])
        for tag in acc.Tags()["tensors"]:
            # tensors also hold histograms, text (Keras writes the model's config) and more
            if acc.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
                continue
            events = acc.Tensors(tag)
            if events:
                series[tag] = (
                    [e.step for e in events],
                    [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events],
                )
        named = {}
        for tag, (steps, values) in series.items():
            order = np.argsort(steps, kind="stable")
            named[tag] = (
                np.asarray(steps, dtype=np.int64)[order],
                np.asarray(values, dtype=np.float64)[order],
            )
        if named:
            result[run.relative_to(logdir).as_posix()] = named
    return result
