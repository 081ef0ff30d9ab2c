"""Trainers of both frameworks, and their parity: the same model from the same start, fed the
same batches, must reach the same loss and accuracy."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402

from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

rng = np.random.default_rng(0)
N, D, C = 300, 20, 4
CENTERS = rng.normal(0, 2, (C, D)).astype(np.float32)
LABELS = rng.integers(0, C, N)
FEATURES = (CENTERS[LABELS] + rng.normal(0, 1, (N, D))).astype(np.float32)
W0 = rng.normal(0, 0.01, (D, C)).astype(np.float32)


def test_linreg_loss_and_sgd_agree():
    X = rng.normal(size=(8, 3)).astype(np.float32)
    w = rng.normal(size=(3, 1)).astype(np.float32)
    y = rng.normal(size=(8,)).astype(np.float32)
    w_pt = torch.tensor(w, requires_grad=True)
    b_pt = torch.zeros(1, requires_grad=True)
    l_pt = d2l_pt.squared_loss(d2l_pt.linreg(torch.tensor(X), w_pt, b_pt), torch.tensor(y))
    l_pt.sum().backward()
    d2l_pt.sgd([w_pt, b_pt], 0.1, 8)
    w_tf, b_tf = tf.Variable(w), tf.Variable(tf.zeros(1))
    with tf.GradientTape() as tape:
        l_tf = d2l_tf.squared_loss(d2l_tf.linreg(X, w_tf, b_tf), y)
    d2l_tf.sgd([w_tf, b_tf], tape.gradient(l_tf, [w_tf, b_tf]), 0.1, 8)
    np.testing.assert_allclose(l_pt.detach().numpy(), l_tf.numpy(), rtol=1e-5)
    np.testing.assert_allclose(w_pt.detach().numpy(), w_tf.numpy(), rtol=1e-5)
    assert float(w_pt.grad.abs().sum()) == 0.0  # sgd clears the gradient it used


def test_accuracy_counts_correct_predictions():
    logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], dtype=np.float32)
    labels = np.array([1, 1, 1])
    assert d2l_pt.accuracy(torch.tensor(logits), torch.tensor(labels)) == 2.0
    assert d2l_tf.accuracy(tf.constant(logits), tf.constant(labels)) == 2.0


def _scratch_softmax_pt():
    W = torch.tensor(W0, requires_grad=True)
    b = torch.zeros(C, requires_grad=True)

    def net(X):
        return torch.softmax(X.reshape(-1, D) @ W + b, dim=1)

    def loss(y_hat, y):
        return -torch.log(y_hat[range(len(y_hat)), y])

    return net, loss, (lambda n: d2l_pt.sgd([W, b], 0.1, n))


def _scratch_softmax_tf():
    W, b = tf.Variable(W0), tf.Variable(tf.zeros(C))

    def net(X):
        return tf.nn.softmax(tf.matmul(tf.reshape(X, (-1, D)), W) + b)

    def loss(y_hat, y):
        return -tf.math.log(tf.gather(y_hat, y, batch_dims=1))

    return net, loss, d2l_tf.Updater([W, b], 0.1)


def test_scratch_trainers_agree_across_frameworks():
    """Same start, same (unshuffled) batches: the epoch metrics must match closely."""
    data_pt = d2l_pt.load_array((torch.tensor(FEATURES), torch.tensor(LABELS)), 32, is_train=False)
    data_tf = d2l_tf.load_array((FEATURES, LABELS.astype(np.int32)), 32, is_train=False)
    net_pt, loss_pt, up_pt = _scratch_softmax_pt()
    net_tf, loss_tf, up_tf = _scratch_softmax_tf()
    for _ in range(3):
        m_pt = d2l_pt.train_epoch_ch3(net_pt, data_pt, loss_pt, up_pt)
        m_tf = d2l_tf.train_epoch_ch3(net_tf, data_tf, loss_tf, up_tf)
        np.testing.assert_allclose(m_pt, m_tf, rtol=1e-4)
    assert m_pt[1] > 0.9  # the clusters are separable: it really learned
    assert d2l_pt.evaluate_accuracy(net_pt, data_pt) == pytest.approx(
        d2l_tf.evaluate_accuracy(net_tf, data_tf), abs=1e-6
    )


def test_concise_trainers_learn_and_print_the_metric_line(capsys):
    torch.manual_seed(0)
    keras.utils.set_random_seed(0)
    data_pt = d2l_pt.load_array((torch.tensor(FEATURES), torch.tensor(LABELS)), 32)
    data_tf = d2l_tf.load_array((FEATURES, LABELS.astype(np.int32)), 32)
    net_pt = torch.nn.Sequential(torch.nn.Linear(D, C))
    result_pt = d2l_pt.train_ch3(
        net_pt, data_pt, data_pt, torch.nn.CrossEntropyLoss(), 3, torch.optim.SGD(net_pt.parameters(), lr=0.1)
    )
    net_tf = keras.Sequential([keras.layers.Dense(C)])
    result_tf = d2l_tf.train_ch3(
        net_tf,
        data_tf,
        data_tf,
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        3,
        keras.optimizers.SGD(learning_rate=0.1),
    )
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("loss ")]
    assert len(lines) == 2
    for result, line in zip((result_pt, result_tf), lines):
        assert result["test_acc"] > 0.9 and result["loss"] < 0.5
        assert line == (
            f"loss {result['loss']:.3f}, train acc {result['train_acc']:.3f}, "
            f"test acc {result['test_acc']:.3f}"
        )


def test_train_ch6_learns_and_reports_speed_and_device(capsys):
    torch.manual_seed(0)
    keras.utils.set_random_seed(0)
    images = np.zeros((256, 8, 8), dtype=np.float32)
    labels = np.arange(256) % 2
    images[labels == 1, :, :4] = 1.0  # class 1: left half bright
    images += rng.normal(0, 0.1, images.shape).astype(np.float32)
    data_pt = d2l_pt.load_array((torch.tensor(images[:, None]), torch.tensor(labels)), 32)
    data_tf = d2l_tf.load_array((images[..., None], labels.astype(np.int32)), 32)
    net_pt = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 2)
    )
    result_pt = d2l_pt.train_ch6(net_pt, data_pt, data_pt, 3, 0.1, d2l_pt.try_gpu())

    def net_fn():
        return keras.Sequential(
            [keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.Flatten(), keras.layers.Dense(2)]
        )

    result_tf = d2l_tf.train_ch6(net_fn, data_tf, data_tf, 3, 0.1, d2l_tf.try_gpu())
    out = capsys.readouterr().out
    assert result_pt["test_acc"] > 0.95 and result_tf["test_acc"] > 0.95
    assert f"examples/sec on {d2l_pt.try_gpu()}" in out and f"examples/sec on {d2l_tf.try_gpu()}" in out
    assert d2l_pt.evaluate_accuracy_gpu(net_pt, data_pt) == pytest.approx(result_pt["test_acc"])
    assert d2l_tf.evaluate_accuracy_gpu(result_tf["net"], data_tf) == pytest.approx(result_tf["test_acc"])


def test_train_ch6_momentum_is_sgd_momentum_and_is_checked():
    """With momentum the second step also moves along the first step's velocity; bad values are refused."""
    X = np.random.default_rng(0).normal(size=(8, 1, 4, 4)).astype(np.float32)
    y = np.arange(8) % 2
    data_pt = [(torch.tensor(X), torch.tensor(y))]
    data_tf = d2l_tf.load_array((X.transpose(0, 2, 3, 1), y.astype(np.int32)), 8, is_train=False)
    weights = {}
    for momentum in (0.0, 0.9):
        torch.manual_seed(0)
        net_pt = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
        d2l_pt.train_ch6(net_pt, data_pt, data_pt, 2, 0.1, "cpu", momentum=momentum)
        weights[momentum] = net_pt[1].weight.detach().numpy().copy()
    assert not np.allclose(weights[0.0], weights[0.9])  # the second step used the velocity
    for bad in (1.0, -0.1, "0.9"):
        with pytest.raises(ValueError, match="momentum"):
            d2l_pt.train_ch6(net_pt, data_pt, data_pt, 1, 0.1, "cpu", momentum=bad)
        with pytest.raises(ValueError, match="momentum"):
            d2l_tf.train_ch6(
                lambda: keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(2)]),
                data_tf,
                data_tf,
                1,
                0.1,
                d2l_tf.try_gpu(),
                momentum=bad,
            )


def test_train_ch6_channels_last_changes_the_layout_not_the_result():
    """PyTorch's channels_last stores the conv weights NHWC and trains to the same weights;
    anything but a bool is refused before the net is touched."""
    X = np.random.default_rng(1).normal(size=(32, 2, 8, 8)).astype(np.float32)
    y = np.arange(32) % 2
    data = [(torch.tensor(X[i : i + 8]), torch.tensor(y[i : i + 8])) for i in range(0, 32, 8)]
    nets = {}
    for channels_last in (False, True):
        torch.manual_seed(0)
        nets[channels_last] = net = torch.nn.Sequential(
            torch.nn.Conv2d(2, 4, 3),
            torch.nn.BatchNorm2d(4),
            torch.nn.ReLU(),
            torch.nn.Flatten(),
            torch.nn.Linear(4 * 6 * 6, 2),
        )
        d2l_pt.train_ch6(net, data, data, 2, 0.1, "cpu", channels_last=channels_last)
    assert nets[True][0].weight.is_contiguous(memory_format=torch.channels_last)
    assert not nets[False][0].weight.is_contiguous(memory_format=torch.channels_last)
    for a, b in zip(nets[False].parameters(), nets[True].parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-5)
    before = nets[True][0].weight.detach().clone()
    with pytest.raises(TypeError, match="channels_last"):
        d2l_pt.train_ch6(nets[True], data, data, 1, 0.1, "cpu", channels_last="yes")
    assert torch.equal(before, nets[True][0].weight)  # refused before the re-initialisation


def test_cosine_schedule_gives_the_same_rates_in_both_frameworks():
    """Warm-up over the first tenth, then a cosine towards 0; torch's and Keras's parts agree."""
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=0.1)
    scheduler = d2l_pt.cosine_schedule(optimizer, 20)
    rates_pt = []
    for _ in range(20):
        rates_pt.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    schedule_tf = d2l_tf.cosine_schedule(0.1, 20)
    rates_tf = [float(schedule_tf(k)) for k in range(20)]
    np.testing.assert_allclose(rates_pt, rates_tf, rtol=1e-5, atol=1e-7)
    assert rates_pt[0] == pytest.approx(0.01) and rates_pt[1] == pytest.approx(0.055)
    assert rates_pt[2] == pytest.approx(0.1) == max(rates_pt)  # warm-up: 2 of 20 steps
    assert np.all(np.diff(rates_pt[2:]) < 0) and rates_pt[-1] < 0.001
    for bad in (
        {"total_steps": 1},
        {"total_steps": 2.5},
        {"warmup": 0},
        {"warmup": 1.0},
        {"start_factor": True},
    ):
        args = {"total_steps": 20, **bad}
        name = next(iter(bad))
        with pytest.raises(ValueError, match=name):
            d2l_pt.cosine_schedule(optimizer, **args)
        with pytest.raises(ValueError, match=name):
            d2l_tf.cosine_schedule(0.1, **args)


def test_train_ch6_lr_schedule_changes_the_steps_and_is_checked():
    """``lr_schedule="cosine"`` trains with other rates than a constant lr; unknown names are refused."""
    X = np.random.default_rng(0).normal(size=(8, 1, 4, 4)).astype(np.float32)
    y = np.arange(8) % 2
    data_pt = [(torch.tensor(X), torch.tensor(y))]
    data_tf = d2l_tf.load_array((X.transpose(0, 2, 3, 1), y.astype(np.int32)), 8, is_train=False)

    def net_tf():
        return keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(2)])

    weights_pt, weights_tf = {}, {}
    for schedule in (None, "cosine"):
        torch.manual_seed(0)
        net_pt = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
        d2l_pt.train_ch6(net_pt, data_pt, data_pt, 3, 0.1, "cpu", lr_schedule=schedule)
        weights_pt[schedule] = net_pt[1].weight.detach().numpy().copy()
        keras.utils.set_random_seed(0)
        result = d2l_tf.train_ch6(net_tf, data_tf, data_tf, 3, 0.1, d2l_tf.try_gpu(), lr_schedule=schedule)
        weights_tf[schedule] = result["net"].layers[-1].kernel.numpy().copy()
    assert not np.allclose(weights_pt[None], weights_pt["cosine"])
    assert not np.allclose(weights_tf[None], weights_tf["cosine"])
    for bad in ("step", "Cosine", 1):
        with pytest.raises(ValueError, match="lr_schedule"):
            d2l_pt.train_ch6(net_pt, data_pt, data_pt, 1, 0.1, "cpu", lr_schedule=bad)
        with pytest.raises(ValueError, match="lr_schedule"):
            d2l_tf.train_ch6(net_tf, data_tf, data_tf, 1, 0.1, d2l_tf.try_gpu(), lr_schedule=bad)


def test_synthetic_data_follows_the_true_parameters():
    torch.manual_seed(0)
    tf.random.set_seed(0)
    X_pt, y_pt = d2l_pt.synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 1000)
    X_tf, y_tf = d2l_tf.synthetic_data(tf.constant([2.0, -3.4]), 4.2, 1000)
    for X, y in ((X_pt.numpy(), y_pt.numpy()), (X_tf.numpy(), y_tf.numpy())):
        assert X.shape == (1000, 2) and y.shape == (1000, 1)
        design = np.hstack([X, np.ones((1000, 1), dtype=np.float32)])
        solution = np.linalg.lstsq(design, y[:, 0], rcond=None)[0]
        np.testing.assert_allclose(solution, [2.0, -3.4, 4.2], atol=0.01)


def test_optimizer_steps_use_the_batch_mean_in_both_frameworks():
    """Per-example losses with a framework optimizer: both step on the mean, not the sum."""
    data_pt = d2l_pt.load_array((torch.tensor(FEATURES), torch.tensor(LABELS)), 32, is_train=False)
    data_tf = d2l_tf.load_array((FEATURES, LABELS.astype(np.int32)), 32, is_train=False)
    net_pt = torch.nn.Linear(D, C)
    net_tf = keras.Sequential([keras.Input((D,)), keras.layers.Dense(C)])
    with torch.no_grad():
        net_pt.weight.copy_(torch.tensor(W0.T))
        net_pt.bias.zero_()
    net_tf.layers[0].set_weights([W0, np.zeros(C, np.float32)])
    loss_tf = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)
    m_pt = d2l_pt.train_epoch_ch3(
        net_pt,
        data_pt,
        torch.nn.CrossEntropyLoss(reduction="none"),
        torch.optim.SGD(net_pt.parameters(), lr=0.1),
    )
    m_tf = d2l_tf.train_epoch_ch3(net_tf, data_tf, loss_tf, keras.optimizers.SGD(learning_rate=0.1))
    np.testing.assert_allclose(m_pt, m_tf, rtol=1e-4)
    np.testing.assert_allclose(
        net_pt.weight.detach().numpy().T, net_tf.layers[0].get_weights()[0], rtol=1e-3, atol=1e-5
    )
    loss_pt = d2l_pt.evaluate_loss(net_pt, data_pt, torch.nn.CrossEntropyLoss(reduction="none"))
    assert loss_pt == pytest.approx(d2l_tf.evaluate_loss(net_tf, data_tf, loss_tf), rel=1e-4)
    mse_pt = d2l_pt.evaluate_loss(lambda X: X[:, :1], data_pt, torch.nn.MSELoss())
    assert mse_pt == pytest.approx(float(np.mean((FEATURES[:, 0] - LABELS) ** 2)), rel=1e-5)


def test_tensorflow_training_step_is_traced_once_with_momentum_slots():
    """The Keras optimizer's slots exist before the step is traced, so one trace serves all
    batches; slots created inside the first trace would make tf.function trace it twice."""
    from d2lutils.tensorflow import training

    net = keras.Sequential([keras.Input((D,)), keras.layers.Dense(C)])
    optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    step = training._train_step(net, loss, optimizer)
    assert optimizer.built
    for X, y in d2l_tf.load_array((FEATURES, LABELS.astype(np.int32)), 100, is_train=False):
        step(X, y)
    assert step.experimental_get_tracing_count() == 1


def test_torch_updater_steps_like_sgd():
    w = torch.ones(3, requires_grad=True)
    (w * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    d2l_pt.Updater([w], lr=0.5)(batch_size=2)
    np.testing.assert_allclose(w.detach().numpy(), [0.75, 0.5, 0.25])
    assert float(w.grad.abs().sum()) == 0.0  # gradients cleared for the next step


def test_train_callback_plots_keras_logs_and_prints_the_line(capsys):
    tf.random.set_seed(0)
    X = tf.random.normal((64, 4))
    y = tf.cast(X[:, 0] > 0, tf.int32)
    data = d2l_tf.load_array((X, y), 16)
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    net.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    callback = d2l_tf.TrainCallback(3)
    net.fit(data, epochs=3, validation_data=data, shuffle=False, callbacks=[callback], verbose=0)
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("loss ") and ", train acc " in out[-1] and ", test acc " in out[-1]
    assert set(callback.result) == {"loss", "accuracy", "val_accuracy"}
    assert callback.result["val_accuracy"] > 0.7
    assert len(callback.animator.X[0]) == 3  # one point per epoch and curve
    with pytest.raises(KeyError, match="validation_data"):
        net.fit(data, epochs=1, shuffle=False, callbacks=[d2l_tf.TrainCallback(1)], verbose=0)
    with pytest.raises(ValueError, match="positive int"):
        d2l_tf.TrainCallback(0)
