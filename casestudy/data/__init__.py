"""Data sets: the simulated SIDD-like set, loaders for SIDD, RENOIR, NIND and plain folders,
the metadata catalogue, the scene-disjoint split and the tf.data patch pipeline."""
