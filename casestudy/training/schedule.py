"""Learning-rate schedule and validation metric, registered so checkpoints load in safe mode.

Both are stored inside every ``.keras`` checkpoint (the optimizer's config holds
the schedule, the compile config the metric); registering them with Keras means
``keras.saving.load_model(..., safe_mode=True)`` rebuilds them by name, with no
Lambda or pickled code. Importing this module is what registers them.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

#: Mean squared errors below this count as this (PSNR 100 dB), so a perfect patch scores a finite number.
MIN_MSE = 1e-10


@keras.saving.register_keras_serializable(package="casestudy.training")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from ``peak / warmup_steps`` to ``peak``, then cosine decay to ``peak * final_fraction``.

    The rate is a pure function of the optimizer's step count, so a resumed run
    (whose optimizer carries its iteration count) continues at the same point of the curve.
    Warm-up keeps Adam's first steps small while its moment estimates are still poor.
    """

    def __init__(self, peak: float, warmup_steps: int, total_steps: int, final_fraction: float = 0.01):
        if peak <= 0:
            raise ValueError(f"the peak learning rate must be positive, got {peak}")
        if warmup_steps < 0 or total_steps < 1:
            raise ValueError(f"need warmup_steps >= 0 and total_steps >= 1, got {warmup_steps} and {total_steps}")
        if not 0.0 <= final_fraction <= 1.0:
            raise ValueError(f"final_fraction must lie in [0, 1], got {final_fraction}")
        self.peak = float(peak)
        self.warmup_steps = int(warmup_steps)
        self.total_steps = int(total_steps)
        self.final_fraction = float(final_fraction)

    def __call__(self, step: Any) -> Any:
        step = ops.cast(step, "float32")
        warmup = float(max(self.warmup_steps, 1))
        warm = self.peak * (step + 1.0) / warmup
        span = float(max(self.total_steps - self.warmup_steps, 1))
        progress = ops.clip((step - self.warmup_steps) / span, 0.0, 1.0)
        cosine = 0.5 * (1.0 + ops.cos(math.pi * progress))
        decayed = self.peak * (self.final_fraction + (1.0 - self.final_fraction) * cosine)
        return ops.where(step < self.warmup_steps, warm, decayed)

    def get_config(self) -> dict[str, Any]:
        return {
            "peak": self.peak,
            "warmup_steps": self.warmup_steps,
            "total_steps": self.total_steps,
            "final_fraction": self.final_fraction,
        }


@keras.saving.register_keras_serializable(package="casestudy.training")
def psnr(y_true: Any, y_pred: Any) -> Any:
    """Per-patch PSNR in dB with a data range of 1, as :func:`casestudy.metrics.psnr` defines it.

    Predictions are clipped to [0, 1] first (the metrics module scores displayable
    images) and computed in float32 whatever the model's precision; Keras averages
    the per-patch values over the epoch.
    """
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.clip(ops.cast(y_pred, "float32"), 0.0, 1.0)
    mse = ops.mean(ops.square(y_true - y_pred), axis=tuple(range(1, len(y_pred.shape))))
    return -10.0 * ops.log10(ops.maximum(mse, MIN_MSE))
