"""The parts of the training engine that :mod:`casestudy.training.train` puts together.

* :mod:`~casestudy.training.schedule`: the learning-rate schedule (linear warm-up, cosine decay)
  and the PSNR metric, both serialisable so a checkpoint reloads in safe mode;
* :mod:`~casestudy.training.precision`: float32 / mixed_bfloat16 / mixed_float16 and the per-device default;
* :mod:`~casestudy.training.checkpoint`: atomic ``.keras`` checkpoints that carry the training state;
* :mod:`~casestudy.training.monitor`: the callback that counts steps, checkpoints, stops on NaN
  and on a validation PSNR that no longer improves, and writes the log.

Used in notebooks 05-07, which each train their network briefly.
"""
