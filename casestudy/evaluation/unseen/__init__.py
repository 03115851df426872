"""The unseen-noise check: photos no network trained on, with noise that is not the simulator's.

Does a network trained on the camera simulator hold up on photos and noise it never saw? The
check answers with held-out photos of the photo pool and the simulated set's test scenes, each
given Poisson-Gaussian noise in linear light that is spatially and cross-channel correlated, at
three levels; the yardstick is NLM and BM3D handed the true noise, which no blind denoiser has.

* :mod:`~casestudy.evaluation.unseen.build`: the noise and the check's folder
  (``casestudy data unseen``);
* :mod:`~casestudy.evaluation.unseen.check`: scoring a check folder, per pair and per level,
  and its per-pair table on disk (``casestudy check``);
* :mod:`~casestudy.evaluation.unseen.scores`: the same scores as rows, their summaries and the
  networks' margins, one photo's scores at every level, the notebooks' checks;
* :mod:`~casestudy.evaluation.unseen.ablations`: where a gap comes from (the noise's shape, the
  shadows' tone).

Every score comes from the one scoring loop, :func:`casestudy.evaluation.scoring.score_pairs`.
"""
