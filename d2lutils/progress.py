"""The framework-free half of the trainers: the epoch loop, its plot and the final metric lines.

``d2lutils.torch`` and ``d2lutils.tensorflow`` supply one epoch of training and one
evaluation; everything they have in common lives here, written once.
"""

from d2lutils.plotting import Animator
from d2lutils.timing import Accumulator, Timer

_LEGEND = ["train loss", "train acc", "test acc"]


def epoch_animator(num_epochs, ylim=None):
    """The training plot of the trainers: loss and accuracies against epochs."""
    return Animator(xlabel="epoch", xlim=[1, num_epochs], ylim=list(ylim) if ylim else None, legend=_LEGEND)


def fit_epochs(num_epochs, train_epoch, evaluate, ylim=(0.3, 0.9)):
    """Call ``train_epoch()`` -> (loss, train acc) and ``evaluate()`` -> test acc per epoch.

    Plots every epoch, then prints and returns the final metrics (see :func:`report`).
    Used by ``train_ch3`` in both frameworks ("Softmax regression from scratch").
    """
    animator = epoch_animator(num_epochs, ylim)
    for epoch in range(num_epochs):
        train_loss, train_acc = train_epoch()
        test_acc = evaluate()
        animator.add(epoch + 1, (train_loss, train_acc, test_acc))
    return report(train_loss, train_acc, test_acc)


LR_SCHEDULES = (None, "cosine")


def check_sgd_options(momentum, lr_schedule):
    """Raise ``ValueError`` unless ``momentum`` is in [0, 1) and ``lr_schedule`` is one of
    LR_SCHEDULES: the option checks both frameworks' ``train_ch6`` share."""
    if isinstance(momentum, bool) or not isinstance(momentum, int | float) or not 0 <= momentum < 1:
        raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
    if lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {lr_schedule!r}")


def schedule_steps(total_steps, warmup, start_factor):
    """Check the arguments of both frameworks' ``cosine_schedule``; return its
    (warm-up steps, decay steps): ``warmup`` of ``total_steps`` (at least 1), and the rest."""
    if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 2:
        raise ValueError(f"total_steps must be an int >= 2, got {total_steps!r}")
    for name, value in (("warmup", warmup), ("start_factor", start_factor)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    warmup_steps = max(1, round(total_steps * warmup))
    return warmup_steps, max(1, total_steps - warmup_steps)


def is_plot_step(i, num_batches):
    """True for the batches ``train_ch6`` plots: about five per epoch, and the last one."""
    return (i + 1) % max(num_batches // 5, 1) == 0 or i == num_batches - 1


def report(loss, train_acc, test_acc, examples_per_sec=None, device=None):
    """Print ``loss …, train acc …, test acc …`` (and ``… examples/sec on <device>``).

    Returns the same numbers as a dict.
    """
    print(f"loss {loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}")
    result = {"loss": loss, "train_acc": train_acc, "test_acc": test_acc}
    if examples_per_sec is not None:
        print(f"{examples_per_sec:.1f} examples/sec on {device}")
        result["examples_per_sec"] = examples_per_sec
    return result


#: The prefixes every language-model trainer continues at the end of training.
PREFIXES = ("time traveller", "traveller")


def epoch_result(metric, seconds, warmup_time):
    """(perplexity, tokens/sec, timed tokens, timed seconds, warm-up seconds) of one epoch.

    ``metric`` holds (summed loss, tokens, timed tokens); a single minibatch is timed after all.
    """
    import math

    if metric[1] == 0:
        raise ValueError("train_iter yielded no minibatch")
    timed = metric[2]
    if timed == 0:  # a single minibatch: time it after all
        timed, seconds, warmup_time = metric[1], seconds + warmup_time, 0.0
    return math.exp(metric[0] / metric[1]), timed / seconds, timed, seconds, warmup_time


def lm_epochs(num_epochs, run_epoch, predict, device):
    """The epoch loop of both ``train_ch8``: plot the perplexity, print d2l's lines.

    ``run_epoch(warmup)`` trains one epoch and returns :func:`epoch_result`'s tuple (the first
    epoch times its first minibatch apart); ``predict(prefix)`` continues a prefix. Returns the
    metrics both trainers report.
    """
    animator = Animator(xlabel="epoch", ylabel="perplexity", legend=["train"], xlim=[1, max(num_epochs, 2)])
    plot_every = max(num_epochs // 50, 1)
    history, total_time, total_tokens, warmup_time = [], 0.0, 0.0, 0.0
    for epoch in range(num_epochs):
        ppl, _, tokens, seconds, warmup = run_epoch(epoch == 0)
        warmup_time += warmup
        history.append(ppl)
        total_tokens += tokens
        total_time += seconds
        if (epoch + 1) % plot_every == 0 or epoch == num_epochs - 1:
            animator.add(epoch + 1, [ppl])
    speed = total_tokens / total_time
    print(f"perplexity {ppl:.1f}, {speed:.1f} tokens/sec on {device}")
    predictions = {prefix: predict(prefix) for prefix in PREFIXES}
    for text in predictions.values():
        print(text)
    return {
        "perplexity": ppl,
        "tokens_per_sec": speed,
        "train_time": total_time,
        "warmup_time": warmup_time,
        "device": str(device),
        "history": history,
        "predictions": predictions,
    }


def seq2seq_epochs(num_epochs, data_iter, step, device):
    """The epoch loop of both ``train_seq2seq``: plot the loss per token, print d2l's line.

    ``step(batch)`` trains on one minibatch and returns (summed loss, target tokens). The first
    minibatch is timed apart as a warm-up (a single minibatch in all is timed after all).
    Returns the metrics both trainers report (explained in "Sequence to sequence learning").
    """
    animator = Animator(xlabel="epoch", ylabel="loss", xlim=[1, max(num_epochs, 2)])
    plot_every = max(num_epochs // 50, 1)
    history, total_time, total_tokens, warmup_time = [], 0.0, 0, 0.0
    for epoch in range(num_epochs):
        timer = Timer()
        metric = Accumulator(3)  # summed loss, tokens, timed tokens
        for i, batch in enumerate(data_iter):
            batch_loss, num_tokens = step(batch)
            first = epoch == 0 and i == 0
            metric.add(batch_loss, num_tokens, 0 if first else num_tokens)
            if first:
                warmup_time = timer.stop()
                timer.start()
        if metric[1] == 0:
            raise ValueError("data_iter yielded no minibatch")
        total_time += timer.stop()
        total_tokens += metric[2]
        history.append(metric[0] / metric[1])
        if (epoch + 1) % plot_every == 0 or epoch == num_epochs - 1:
            animator.add(epoch + 1, [history[-1]])
    if total_tokens == 0:  # a single minibatch in all: time it after all
        total_tokens, total_time, warmup_time = metric[1], total_time + warmup_time, 0.0
    speed = total_tokens / total_time
    print(f"loss {history[-1]:.3f}, {speed:.1f} tokens/sec on {device}")
    return {
        "loss": history[-1],
        "tokens_per_sec": speed,
        "train_time": total_time,
        "warmup_time": warmup_time,
        "device": str(device),
        "history": history,
    }
