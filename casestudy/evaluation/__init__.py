"""Scoring denoisers and reporting the scores.

* :mod:`~casestudy.evaluation.methods`  the denoisers by name (noisy input, filters, networks)
* :mod:`~casestudy.evaluation.evaluate` the scoring loop over a data set, the summary, ``casestudy evaluate``
* :mod:`~casestudy.evaluation.report`   per-image rows as CSV, summaries as Markdown
* :mod:`~casestudy.evaluation.tuning`   the classical filters' settings, searched on the validation split
* :mod:`~casestudy.evaluation.baselines`, :mod:`~casestudy.evaluation.compare`  the comparison's rows and
  scene-bootstrap intervals
* :mod:`~casestudy.evaluation.texture_check`, :mod:`~casestudy.evaluation.unseen.check`,
  :mod:`~casestudy.evaluation.unseen.scores`, :mod:`~casestudy.evaluation.quality_check`  checks on
  photos and noise no method was tuned or trained on
"""
