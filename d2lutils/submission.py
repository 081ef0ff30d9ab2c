"""Writing a competition submission file (explained in "Predicting COVID-19 cases")."""

import csv
import math
from pathlib import Path

import numpy as np


def write_submission(path, ids, predictions, target="tested_positive", num_rows=None):
    """Write ``id,<target>`` rows to the CSV file ``path`` and return its ``Path``.

    Explained in "Predicting COVID-19 cases". ``ids`` and ``predictions`` are sequences or
    arrays of the same length (``predictions`` may have shape ``(n, 1)``). The file is
    checked before it is written: one prediction per id, unique integer ids, finite numbers,
    and, when ``num_rows`` is given, exactly that many rows. A failed check raises
    :class:`ValueError` and writes nothing, so a broken file never reaches the leaderboard.
    """
    ids = np.asarray(ids)
    preds = np.asarray(predictions, dtype=np.float64)
    if preds.ndim == 2 and preds.shape[1] == 1:
        preds = preds[:, 0]
    if preds.ndim != 1:
        raise ValueError(f"predictions must be one number per example, got shape {preds.shape}")
    if ids.ndim != 1 or len(ids) != len(preds):
        raise ValueError(f"{len(preds)} predictions for {ids.size} ids")
    if num_rows is not None and len(preds) != num_rows:
        raise ValueError(f"the submission needs {num_rows} rows, got {len(preds)}")
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be integers, got dtype {ids.dtype}")
    if len(np.unique(ids)) != len(ids):
        raise ValueError("ids must be unique")
    bad = [i for i, p in zip(ids, preds) if not math.isfinite(p)]
    if bad:
        raise ValueError(f"{len(bad)} predictions are not finite, e.g. for id {bad[0]}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", target])
        writer.writerows((int(i), f"{p:.6f}") for i, p in zip(ids, preds))
    return path
