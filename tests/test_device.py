"""The device check informs and never fails, and says plainly whether a GPU is used."""

import pytest

from casestudy.device import describe_devices


def test_reports_cpu_or_gpu() -> None:
    report = describe_devices()
    assert report.startswith(("No GPU found: TensorFlow", "GPU found: TensorFlow"))
    assert report.endswith(".") and "\n" not in report


def test_no_gpu_says_the_cpu_is_used_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    import tensorflow as tf

    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: [])
    monkeypatch.setattr(tf.test, "is_built_with_cuda", lambda: False)
    report = describe_devices()
    assert report.startswith(f"No GPU found: TensorFlow {tf.__version__} runs on the CPU (")
    assert "built without CUDA" in report and "README" in report

    monkeypatch.setattr(tf.test, "is_built_with_cuda", lambda: True)
    report = describe_devices()
    assert report.startswith("No GPU found:") and "runs on the CPU" in report and "sees no card" in report


def test_a_gpu_is_named_and_said_to_be_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import tensorflow as tf

    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: [gpu] if kind == "GPU" else [])
    monkeypatch.setattr(tf.config.experimental, "get_device_details", lambda device: {"device_name": "NVIDIA H100"})
    report = describe_devices()
    assert report == f"GPU found: TensorFlow {tf.__version__} runs on the GPU (1 x NVIDIA H100)."
    assert "CPU" not in report


def test_a_failing_device_query_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import tensorflow as tf

    def broken(kind: str):
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(tf.config, "list_physical_devices", broken)
    report = describe_devices()
    assert report.startswith("No GPU used:") and "driver exploded" in report and "CPU" in report
