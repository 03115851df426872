"""A tiny training run for tests/test_train.py to start in a fresh process (not collected by pytest).

    python tests/train_child.py DATA RUN_DIR [--kill-at STEP] [--mirrored]

Trains REDNet at the smoke width for 3 epochs of 4 steps with op determinism,
checkpointing every 2 steps. ``--kill-at STEP`` makes the process SIGKILL itself
right after global step STEP, a real kill with no clean-up, at a known point.
``--mirrored`` splits the CPU into two logical devices before TensorFlow starts
and trains under MirroredStrategy.
"""

from __future__ import annotations

import argparse
import os
import signal

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402


class KillAt(keras.callbacks.Callback):
    """SIGKILL this process after the optimizer's ``step``-th update."""

    def __init__(self, step: int):
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if int(self.model.optimizer.iterations.numpy()) == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("run_dir")
    parser.add_argument("--kill-at", type=int)
    parser.add_argument("--mirrored", action="store_true")
    args = parser.parse_args()
    if args.mirrored:  # must happen before TensorFlow initialises its devices
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    from casestudy.training.train import train

    result = train(
        "rednet", profile="smoke", data_dir=args.data, run_dir=args.run_dir,
        epochs=1 if args.mirrored else 3, steps_per_epoch=2 if args.mirrored else 4,
        precision="float32", checkpoint_steps=2, checkpoint_minutes=None, deterministic=not args.mirrored,
        distribute="mirrored" if args.mirrored else "none", verbose=0,
        callbacks=[KillAt(args.kill_at)] if args.kill_at else [],
    )  # fmt: skip
    print(f"finished at step {result.step}, epoch {result.epoch}, resumed from step {result.resumed_from_step}")


if __name__ == "__main__":
    main()
