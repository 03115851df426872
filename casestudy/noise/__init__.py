"""What noise is and how it is measured: its spectrum (:mod:`~casestudy.noise.psd`), its statistics by ISO,
brightness and channel (:mod:`~casestudy.noise.stats`), and the simulator's noise facts
(:mod:`~casestudy.noise.facts`)."""
