"""A hands-on case study of real-image denoising.

The package does the work; the notebooks in ``notebooks/`` tell the story. Data
flows one way: files -> catalogue -> pairs -> patches -> model -> tiles ->
metrics -> tables and figures, and each step is one import away:

* :mod:`casestudy.config`  profiles (smoke / laptop / gpu) and paths
* :mod:`casestudy.io`      images and EXIF, read and written safely
* :mod:`casestudy.camera`  the physically based camera-noise simulator
* :mod:`casestudy.data`    data sets, the catalogue, reading pairs, the split, the patch pipeline
* :mod:`casestudy.metrics` PSNR / SSIM / MSE, one convention, one [0, 1] input check
* :mod:`casestudy.filters` classical denoisers behind one signature
* :mod:`casestudy.evaluation.evaluate` the method registry and the scoring of methods over a data set
* :mod:`casestudy.evaluation.report`  per-image rows as CSV, summaries as Markdown tables
* :mod:`casestudy.plots`   the figures, by subject: ``plots.data``, ``plots.results``
* :mod:`casestudy.regions` where a figure looks in an image, chosen by rule
"""

__version__ = "0.1.0"
