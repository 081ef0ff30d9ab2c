"""The homework helpers ("Predicting COVID-19 cases"): config validation, early stopping,
the submission file, TensorBoard event reading and checkpoints in both frameworks."""

import csv
import math

import numpy as np
import pytest

import d2lutils as d2l

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402

from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

SCHEMA = {
    "seed": int,
    "select_all": bool,
    "valid_ratio": (float, "between 0 and 1", lambda r: 0 < r < 1),
    "num_epochs": (int, "positive", lambda n: n > 0),
    "batch_size": (int, "positive", lambda n: n > 0),
    "patience": (int, "positive", lambda n: n > 0),
    "checkpoint_dir": (str, "a non-empty path", bool),
}
GOOD = {
    "seed": 0,
    "select_all": False,
    "valid_ratio": 0.2,
    "num_epochs": 10,
    "batch_size": 32,
    "patience": 3,
    "checkpoint_dir": "ckpt",
}


# --- config ---------------------------------------------------------------------------


def test_check_config_accepts_a_valid_config_and_an_int_for_a_float():
    assert d2l.check_config(GOOD, SCHEMA) is GOOD
    assert d2l.check_config({**GOOD, "valid_ratio": 0.5}, SCHEMA)


@pytest.mark.parametrize(
    "key, value, error",
    [
        ("valid_ratio", 0.0, ValueError),
        ("valid_ratio", 1.0, ValueError),
        ("valid_ratio", 1.5, ValueError),
        ("valid_ratio", "0.2", TypeError),
        ("num_epochs", 0, ValueError),
        ("num_epochs", 10.0, TypeError),
        ("num_epochs", True, TypeError),
        ("batch_size", -1, ValueError),
        ("patience", 0, ValueError),
        ("select_all", 1, TypeError),
        ("seed", None, TypeError),
        ("checkpoint_dir", "", ValueError),
    ],
)
def test_check_config_names_the_bad_key(key, value, error):
    with pytest.raises(error, match=repr(key)):
        d2l.check_config({**GOOD, key: value}, SCHEMA)


def test_check_config_missing_and_unknown_keys():
    config = dict(GOOD)
    del config["patience"]
    with pytest.raises(KeyError, match="'patience'"):
        d2l.check_config(config, SCHEMA)
    with pytest.raises(KeyError, match="'lr '"):
        d2l.check_config({**GOOD, "lr ": 0.1}, SCHEMA)
    with pytest.raises(TypeError, match="dict"):
        d2l.check_config([("seed", 0)], SCHEMA)


# --- early stopping -------------------------------------------------------------------


def run_stopper(values, patience, min_delta=0.0):
    stopper = d2l.EarlyStopping(patience, min_delta=min_delta)
    improved = []
    for epoch, value in enumerate(values, start=1):
        improved.append(stopper.step(epoch, value))
        if stopper.should_stop:
            break
    return stopper, improved


def test_early_stopping_keeps_best_and_stops_after_patience():
    stopper, improved = run_stopper([5, 4, 3, 3.5, 3.2, 2.9, 9, 9, 9, 1], patience=3)
    assert improved == [True, True, True, False, False, True, False, False, False]
    assert (stopper.best, stopper.best_epoch, stopper.epoch) == (2.9, 6, 9)
    assert stopper.should_stop


def test_early_stopping_equal_value_is_no_improvement_and_min_delta():
    stopper, improved = run_stopper([1.0, 1.0], patience=1)
    assert improved == [True, False] and stopper.should_stop and stopper.best_epoch == 1
    stopper, improved = run_stopper([1.0, 0.95, 0.5], patience=5, min_delta=0.1)
    assert improved == [True, False, True] and stopper.best == 0.5 and not stopper.should_stop


def test_early_stopping_never_stops_while_improving():
    stopper, _ = run_stopper(np.linspace(10, 1, 50), patience=2)
    assert not stopper.should_stop and stopper.best_epoch == 50


def test_early_stopping_matches_keras_callback():
    """Same best epoch and stopping epoch as keras.callbacks.EarlyStopping on the same values."""
    values = [5.0, 4.0, 4.5, 3.0, 3.0, 3.1, 3.2, 2.0, 2.5, 2.6, 2.7, 2.8]
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.stop_training = False  # fit() sets this before the callbacks run
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        if callback.model.stop_training:
            break
    stopper, _ = run_stopper(values, patience=3)
    assert stopper.epoch == callback.stopped_epoch + 1
    assert stopper.best_epoch == callback.best_epoch + 1 and stopper.best == callback.best


def test_early_stopping_rejects_bad_input():
    for patience in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="patience"):
            d2l.EarlyStopping(patience)
    stopper = d2l.EarlyStopping(2)
    stopper.step(1, 1.0)
    with pytest.raises(ValueError, match="increase"):
        stopper.step(1, 0.5)
    with pytest.raises(ValueError, match="NaN"):
        stopper.step(2, math.nan)


# --- submission -----------------------------------------------------------------------


def test_write_submission_format(tmp_path):
    path = d2l.write_submission(
        tmp_path / "sub" / "pred.csv", np.arange(3), np.array([[1.5], [2.25], [30.0]]), num_rows=3
    )
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["id", "tested_positive"], ["0", "1.500000"], ["1", "2.250000"], ["2", "30.000000"]]
    assert path.read_bytes().count(b"\r\n") == 4  # the csv module's line ending, as Kaggle reads it


@pytest.mark.parametrize(
    "ids, preds, rows, message",
    [
        ([0, 1], [1.0], None, "1 predictions for 2 ids"),
        ([0, 1], [1.0, 2.0], 3, "needs 3 rows"),
        ([0, 0], [1.0, 2.0], None, "unique"),
        ([0.0, 1.0], [1.0, 2.0], None, "integers"),
        ([0, 1], [1.0, math.nan], None, "not finite"),
        ([0, 1], [[1.0, 2.0], [3.0, 4.0]], None, "one number per example"),
    ],
)
def test_write_submission_checks_and_writes_nothing(tmp_path, ids, preds, rows, message):
    path = tmp_path / "bad.csv"
    with pytest.raises(ValueError, match=message):
        d2l.write_submission(path, ids, preds, num_rows=rows)
    assert not path.exists()


# --- TensorBoard events ---------------------------------------------------------------


def test_read_scalars_reads_both_writers(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(tmp_path / "pt") as writer:
        for step in range(3):
            writer.add_scalar("mse/valid", 1.0 / (step + 1), step)
            writer.add_scalars("mse", {"train": step, "valid": 2 * step}, step)
    with tf.summary.create_file_writer(str(tmp_path / "tf")).as_default():
        for step in range(4):
            tf.summary.scalar("epoch_loss", 10.0 - step, step=step)
            tf.summary.histogram("weights", tf.range(5.0), step=step)
            tf.summary.text("notes", "not a number", step=step)
    runs = d2l.read_scalars(tmp_path)
    assert set(runs) == {"pt", "pt/mse_train", "pt/mse_valid", "tf"}
    steps, values = runs["pt"]["mse/valid"]
    np.testing.assert_allclose(values, [1.0, 0.5, 1 / 3], rtol=1e-6)
    np.testing.assert_array_equal(runs["pt/mse_valid"]["mse"][1], [0.0, 2.0, 4.0])
    steps, values = runs["tf"]["epoch_loss"]
    np.testing.assert_array_equal(steps, [0, 1, 2, 3])
    np.testing.assert_array_equal(values, [10.0, 9.0, 8.0, 7.0])
    assert set(runs["tf"]) == {"epoch_loss"}  # histograms and text are not scalars
    with pytest.raises(FileNotFoundError):
        d2l.read_scalars(tmp_path / "empty")


# --- checkpoints ----------------------------------------------------------------------

X = np.random.default_rng(1).normal(size=(64, 6)).astype(np.float32)
Y = X.sum(axis=1, keepdims=True).astype(np.float32)


def net_pt(hidden=8):
    return torch.nn.Sequential(torch.nn.Linear(6, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))


def net_tf(hidden=8):
    return keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(1)]
    )


def mse_pt(net):
    with torch.no_grad():
        return torch.nn.functional.mse_loss(net(torch.from_numpy(X)), torch.from_numpy(Y)).item()


def test_torch_checkpoint_round_trip_reproduces_the_loss_exactly(tmp_path):
    torch.manual_seed(0)
    net = net_pt()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(20):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(net(torch.from_numpy(X)), torch.from_numpy(Y)).backward()
        optimizer.step()
    path = d2l_pt.save_checkpoint(net, tmp_path / "ck" / "best.pt")
    fresh = net_pt()
    assert mse_pt(fresh) != mse_pt(net)
    assert d2l_pt.load_checkpoint(fresh, path) is fresh
    assert mse_pt(fresh) == mse_pt(net)


def test_torch_mismatched_checkpoint_leaves_the_model_untouched(tmp_path):
    torch.manual_seed(0)
    path = d2l_pt.save_checkpoint(net_pt(hidden=8), tmp_path / "best.pt")
    for other in (net_pt(hidden=4), torch.nn.Sequential(torch.nn.Linear(6, 1))):
        before = {k: v.clone() for k, v in other.state_dict().items()}
        with pytest.raises(d2l.CheckpointError, match="does not match"):
            d2l_pt.load_checkpoint(other, path)
        for name, value in other.state_dict().items():
            assert torch.equal(value, before[name]), name
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(d2l.CheckpointError, match="cannot read"):
        d2l_pt.load_checkpoint(net_pt(), tmp_path / "junk.pt")


def test_tf_checkpoint_round_trip_reproduces_the_loss_exactly(tmp_path):
    keras.utils.set_random_seed(0)
    net = net_tf()
    net.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    data = tf.data.Dataset.from_tensor_slices((X, Y)).batch(16)
    path = tmp_path / "ck" / "best.weights.h5"
    callback = keras.callbacks.ModelCheckpoint(path, save_best_only=True, save_weights_only=True)
    history = net.fit(data, epochs=15, validation_data=data, callbacks=[callback], shuffle=False, verbose=0)
    fresh = net_tf()
    assert d2l_tf.load_checkpoint(fresh, path) is fresh
    fresh.compile(loss="mse")
    assert fresh.evaluate(data, verbose=0) == min(history.history["val_loss"])
    again = d2l_tf.load_checkpoint(net_tf(), d2l_tf.save_checkpoint(fresh, tmp_path / "again.weights.h5"))
    np.testing.assert_array_equal(again.predict(X, verbose=0), fresh.predict(X, verbose=0))


def test_tf_mismatched_checkpoint_leaves_the_model_untouched(tmp_path):
    keras.utils.set_random_seed(0)
    path = d2l_tf.save_checkpoint(net_tf(hidden=8), tmp_path / "best.weights.h5")
    for other in (net_tf(hidden=4), keras.Sequential([keras.Input((6,)), keras.layers.Dense(1)])):
        before = [w.numpy().copy() for w in other.weights]
        with pytest.raises(d2l.CheckpointError, match="does not match") as info:
            d2l_tf.load_checkpoint(other, path)
        assert len(str(info.value)) < 600  # Keras's own message prints whole weight tensors
        for value, old in zip(other.weights, before):
            np.testing.assert_array_equal(value.numpy(), old)
    with pytest.raises(ValueError, match=".weights.h5"):
        d2l_tf.save_checkpoint(net_tf(), tmp_path / "best.h5")
    with pytest.raises(FileNotFoundError):
        d2l_tf.load_checkpoint(net_tf(), tmp_path / "missing.weights.h5")
