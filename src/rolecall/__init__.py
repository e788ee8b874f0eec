"""rolecall: AWS role switching with live session countdowns."""

__version__ = "0.1.0"
