"""Deep Linking 2.0 on the platform side."""
