"""Calendar backends: one module each, all implementing `base.Backend`."""
