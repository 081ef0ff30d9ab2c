import matplotlib

matplotlib.use("Agg")

from d2lutils.progress import fit_epochs, is_plot_step, report  # noqa: E402


def test_report_prints_d2l_style_lines(capsys):
    result = report(0.4481, 0.8479, 0.8361, 45678.94, "cpu")
    assert capsys.readouterr().out.splitlines() == [
        "loss 0.448, train acc 0.848, test acc 0.836",
        "45678.9 examples/sec on cpu",
    ]
    assert result == {"loss": 0.4481, "train_acc": 0.8479, "test_acc": 0.8361, "examples_per_sec": 45678.94}


def test_fit_epochs_runs_each_epoch_and_reports_the_last(capsys):
    losses = iter([(0.9, 0.5), (0.6, 0.7), (0.5, 0.8)])
    accs = iter([0.55, 0.72, 0.79])
    result = fit_epochs(3, lambda: next(losses), lambda: next(accs))
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "epoch 1: train loss 0.900, train acc 0.500, test acc 0.550",
        "epoch 2: train loss 0.600, train acc 0.700, test acc 0.720",
        "epoch 3: train loss 0.500, train acc 0.800, test acc 0.790",
    ]
    assert out[-1] == "loss 0.500, train acc 0.800, test acc 0.790"
    assert result["test_acc"] == 0.79


def test_plot_steps_are_about_five_per_epoch():
    assert [i for i in range(235) if is_plot_step(i, 235)] == [46, 93, 140, 187, 234]
    assert [i for i in range(3) if is_plot_step(i, 3)] == [0, 1, 2]
