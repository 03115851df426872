"""Which device TensorFlow will use: a report that informs and never fails.

Introduced in ``00_index.ipynb``, whose setup cell prints it; the networks' notebooks will print it too.
"""

from __future__ import annotations

import os


def describe_devices() -> str:
    """One plain sentence saying whether TensorFlow will run on a GPU or on the CPU.

    ``"GPU found: TensorFlow 2.21.0 runs on the GPU (1 x NVIDIA H100 80GB HBM3)."`` or
    ``"No GPU found: TensorFlow 2.21.0 runs on the CPU (...)."``, the bracket saying why
    where it can: a CPU-only build of TensorFlow (the project's default ``tensorflow-cpu``;
    the README's "GPU" section swaps it), or a CUDA build that sees no card.

    Importing TensorFlow is slow (seconds) and may print C++ log lines, so this is
    only called when asked for. Any failure to query devices is reported, not raised.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
    except Exception as error:  # noqa: BLE001 - a device check must never break a notebook
        return f"No GPU used: TensorFlow could not list its devices ({error}); expect the CPU."
    if not gpus:
        try:
            cuda = tf.test.is_built_with_cuda()
        except Exception:  # noqa: BLE001
            cuda = None
        why = {
            False: "this TensorFlow is built without CUDA; for an NVIDIA GPU see the README's GPU section",
            True: "this TensorFlow is built with CUDA but sees no card; "
            "check the NVIDIA driver and CUDA_VISIBLE_DEVICES",
            None: "TensorFlow lists no GPU",
        }[cuda]
        return f"No GPU found: TensorFlow {tf.__version__} runs on the CPU ({why})."
    names = []
    for gpu in gpus:
        try:
            names.append(tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name))
        except Exception:  # noqa: BLE001
            names.append(gpu.name)
    return f"GPU found: TensorFlow {tf.__version__} runs on the GPU ({len(gpus)} x {', '.join(sorted(set(names)))})."
