"""The framework-free half of the trainers: the epoch loop, its plot and the final metric lines.

``d2lutils.torch`` and ``d2lutils.tensorflow`` supply one epoch of training and one
evaluation; everything they have in common lives here, written once.
"""

from d2lutils.plotting import Animator

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
