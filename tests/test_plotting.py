import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import d2lutils as d2l  # noqa: E402
from tests.nbtools import execute, write_notebook  # noqa: E402


def test_plot_accepts_lists_arrays_and_multiple_curves():
    x = np.arange(5.0)
    axes = d2l.plot(x, [x**2, 2 * x], "x", "y", legend=["square", "double"], xlim=[0, 4])
    lines = axes.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), x**2)
    assert axes.get_xlabel() == "x" and axes.get_xlim() == (0, 4)
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["square", "double"]
    plt.close("all")


def test_plot_without_x_uses_the_index():
    axes = d2l.plot([3.0, 1.0, 2.0])
    np.testing.assert_allclose(axes.get_lines()[0].get_xdata(), [0, 1, 2])
    plt.close("all")


def test_plot_accepts_framework_tensors():
    torch = pytest.importorskip("torch")
    x = torch.arange(4.0, requires_grad=True)
    axes = d2l.plot(x, x * 2)
    np.testing.assert_allclose(axes.get_lines()[0].get_ydata(), [0, 2, 4, 6])
    plt.close("all")


def test_show_images_titles_each_image():
    imgs = np.random.default_rng(0).random((4, 8, 8))
    axes = d2l.show_images(imgs, 2, 2, titles=list("abcd"))
    assert [ax.get_title() for ax in axes] == list("abcd")
    plt.close("all")


def test_animator_prints_one_line_per_update_outside_jupyter(capsys, tmp_path):
    animator = d2l.Animator(xlabel="epoch", legend=["train loss", "test acc"], xlim=[1, 3])
    for epoch in range(1, 4):
        animator.add(epoch, (1.0 / epoch, None if epoch == 1 else 0.5 + epoch / 10))
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "epoch 1: train loss 1.000",
        "epoch 2: train loss 0.500, test acc 0.700",
        "epoch 3: train loss 0.333, test acc 0.800",
    ]
    assert [len(x) for x in animator.X] == [3, 2]
    animator.savefig(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").stat().st_size > 1000


@pytest.mark.notebooks
def test_animator_leaves_exactly_one_image_in_a_notebook(tmp_path):
    write_notebook(
        tmp_path / "anim.ipynb",
        "import d2lutils as d2l\n"
        "animator = d2l.Animator(xlabel='epoch', legend=['loss'])\n"
        "for epoch in range(5):\n"
        "    animator.add(epoch, 1 / (epoch + 1))\n"
        "print('done')",
    )
    execute(tmp_path / "anim.ipynb", tmp_path / "out.ipynb")
    outputs = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].outputs
    images = [
        o
        for o in outputs
        if o.output_type in ("display_data", "execute_result")
        and any(k.startswith("image/") for k in o.get("data", {}))
    ]
    assert len(images) == 1, [o.output_type for o in outputs]
    assert [o.get("text") for o in outputs if o.output_type == "stream"] == ["done\n"]


def test_one_epoch_animator_does_not_warn(recwarn):
    animator = d2l.Animator(xlabel="epoch", xlim=[1, 1], legend=["loss"])
    animator._notebook = False
    animator.add(1, 0.5)
    assert not [w for w in recwarn if "identical" in str(w.message)]
    plt.close("all")


@pytest.mark.notebooks
def test_throttled_animator_still_shows_the_final_state(tmp_path):
    """Many quick adds: few redraws, and the image left in the notebook has every point."""
    write_notebook(
        tmp_path / "anim.ipynb",
        "import d2lutils as d2l\n"
        "d2l.use_svg_display()\n"
        "animator = d2l.Animator(xlabel='epoch', legend=['loss'])\n"
        "calls = []\n"
        "draw = animator._display\n"
        "animator._display = lambda: (calls.append(1), draw())\n"
        "for epoch in range(200):\n"
        "    animator.add(epoch, 1 / (epoch + 1))",
        "print(len(calls) < 20, len(animator.axes[0].get_lines()[0].get_xdata()))",
    )
    execute(tmp_path / "anim.ipynb", tmp_path / "out.ipynb")
    cells = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells
    images = [o for o in cells[0].outputs if "image/svg+xml" in o.get("data", {})]
    assert len(images) == 1
    assert images[0]["data"]["image/svg+xml"].count("<path") > 0
    assert cells[1].outputs[0]["text"].strip() == "True 200"
