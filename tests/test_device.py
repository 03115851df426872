"""The device check informs and never fails."""

import pytest

from casestudy.device import describe_devices


def test_reports_cpu_or_gpu() -> None:
    report = describe_devices()
    assert report.startswith(("CPU only", "GPU:"))
    assert "TensorFlow" in report


def test_a_failing_device_query_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import tensorflow as tf

    def broken(kind: str):
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(tf.config, "list_physical_devices", broken)
    report = describe_devices()
    assert "driver exploded" in report and "CPU" in report
