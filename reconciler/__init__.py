"""reconciler: campaigns as code for ContactSwing."""

__version__ = "1.0.0"
