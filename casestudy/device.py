"""Which device TensorFlow will use: a report that informs and never fails.

Introduced in ``00_index.ipynb``, whose setup cell prints it; the networks' notebooks will print it too.
"""

from __future__ import annotations

import os


def describe_devices() -> str:
    """One line saying whether TensorFlow sees a GPU, e.g. ``"GPU: 1 x NVIDIA H100"`` or ``"CPU only ..."``.

    Importing TensorFlow is slow (seconds) and may print C++ log lines, so this is
    only called when asked for. Any failure to query devices is reported, not raised.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
    except Exception as error:  # noqa: BLE001 - a device check must never break a notebook
        return f"TensorFlow could not list devices ({error}); running on CPU"
    if not gpus:
        return f"CPU only (TensorFlow {tf.__version__}); training uses the profile's short settings"
    names = []
    for gpu in gpus:
        try:
            names.append(tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name))
        except Exception:  # noqa: BLE001
            names.append(gpu.name)
    return f"GPU: {len(gpus)} x {', '.join(sorted(set(names)))} (TensorFlow {tf.__version__})"
