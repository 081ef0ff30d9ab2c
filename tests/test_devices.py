"""Device helpers: on this CPU-only machine both frameworks fall back to the CPU."""

import pytest


def test_torch_devices_fall_back_to_cpu():
    torch = pytest.importorskip("torch")
    from d2lutils import torch as d2l_pt

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    assert d2l_pt.num_gpus() == 0
    expected = "mps" if d2l_pt.devices._mps_available() else "cpu"
    assert d2l_pt.try_gpu().type == expected
    assert d2l_pt.try_gpu(3).type == "cpu"
    assert [d.type for d in d2l_pt.try_all_gpus()] == [expected]
    with pytest.raises(ValueError, match="non-negative int"):
        d2l_pt.try_gpu("0")


def test_tensorflow_devices_fall_back_to_cpu():
    from d2lutils import tensorflow as d2l_tf

    tf = pytest.importorskip("tensorflow")
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is present")
    assert d2l_tf.num_gpus() == 0
    assert d2l_tf.try_gpu() == "/CPU:0" and d2l_tf.try_gpu(1) == "/CPU:0"
    assert d2l_tf.try_all_gpus() == ["/CPU:0"]
    with tf.device(d2l_tf.try_gpu()):
        assert "CPU" in tf.constant(1.0).device
    with pytest.raises(ValueError, match="non-negative int"):
        d2l_tf.try_gpu(-1)


def test_framework_halves_import_only_their_framework():
    """d2lutils.torch must not import TensorFlow and vice versa (checked in fresh interpreters)."""
    import subprocess
    import sys

    for module, forbidden in (("d2lutils.torch", "tensorflow"), ("d2lutils.tensorflow", "torch")):
        code = f"import sys, {module}; print({forbidden!r} in sys.modules)"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert out == "False", f"importing {module} imported {forbidden}"
