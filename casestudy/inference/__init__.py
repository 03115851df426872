"""Running a trained network on photos: whole images (:mod:`~casestudy.inference.network`), tile by tile
(:mod:`~casestudy.inference.tiling`), and the ``casestudy denoise`` command (:mod:`~casestudy.inference.denoise`)."""
