"""relance-cal: follow up on job interviews at the right moment."""

__version__ = "0.1.0"
