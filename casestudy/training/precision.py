"""Numeric precision of training: float32, mixed_bfloat16 or mixed_float16, and the per-device default.

Keras's mixed policies compute in 16 bits and keep the weights (and, in this
package's networks, the last layer and the residual sum) in float32.
``mixed_float16`` needs loss scaling, which Keras 3 adds by itself: compiling a
model whose policy is ``mixed_float16`` wraps the optimizer in a
``keras.optimizers.LossScaleOptimizer``. bfloat16 has float32's exponent range
and needs none.

``auto`` picks the fastest precision whose measured PSNR cost against float32 at
equal training steps is at most :data:`MAX_COST_DB` (``benchmarks/bench_precision.py``
measures it; :data:`MEASURED_COST_DB` records the result). A precision that was
never measured is not chosen.
"""

from __future__ import annotations

import sys
from pathlib import Path

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16", "auto")
#: The largest validation-PSNR loss (dB) a faster precision may cost to become the default.
MAX_COST_DB = 0.05
#: PSNR cost against float32 measured by benchmarks/bench_precision.py (None: not measured).
#: mixed_bfloat16: REDNet at the laptop width, 300 steps of 16 64x64 patches, seed 2021, laptop data set,
#: on the project's 2-core AVX-512 BF16 CPU (2026-11-26): 33.238 dB against 33.378 dB, a cost of 0.14 dB,
#: so ``auto`` stays float32 on CPUs. mixed_float16 could not be measured (no GPU build of TensorFlow here).
MEASURED_COST_DB: dict[str, float | None] = {"mixed_bfloat16": 0.14, "mixed_float16": None}


def cpu_has_bf16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """Whether the CPU computes bfloat16 natively (x86 AVX-512 BF16 or AMX-BF16), from Linux's cpuinfo.

    On other systems (no cpuinfo) the answer is False: bfloat16 would then be
    emulated and slower than float32.
    """
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[-1].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def default_precision(has_gpu: bool, has_bf16: bool) -> str:
    """The ``auto`` choice: the fast precision of the device if its measured cost is small enough, else float32."""
    candidate = "mixed_float16" if has_gpu else ("mixed_bfloat16" if has_bf16 else None)
    cost = MEASURED_COST_DB.get(candidate) if candidate else None
    return candidate if cost is not None and cost <= MAX_COST_DB else "float32"


def resolve_precision(requested: str) -> str:
    """Turn ``requested`` (one of :data:`PRECISIONS`) into a Keras dtype policy name for this machine.

    Raises:
        ValueError: an unknown name, or ``mixed_float16`` without a GPU (on a CPU it is
            emulated, slow, and needs no loss scaling to be tested).
    """
    if requested not in PRECISIONS:
        raise ValueError(f"unknown precision {requested!r}; choose one of: {', '.join(PRECISIONS)}")
    has_gpu = gpu_visible()
    if requested == "auto":
        return default_precision(has_gpu, cpu_has_bf16())
    if requested == "mixed_float16" and not has_gpu:
        raise ValueError("precision mixed_float16 needs a GPU; on a CPU use mixed_bfloat16 or float32")
    if requested == "mixed_bfloat16" and not has_gpu and not cpu_has_bf16():
        print("note: this CPU has no native bfloat16; mixed_bfloat16 will be slower than float32", file=sys.stderr)
    return requested


def gpu_visible() -> bool:
    """Whether the active Keras backend sees a GPU (TensorFlow or JAX; other backends: no)."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    return False
