"""A physically based camera-noise simulator: sRGB -> raw -> exposure + noise -> sRGB."""
