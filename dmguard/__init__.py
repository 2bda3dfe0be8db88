"""dmguard: a guard between automation and people's inboxes."""

__version__ = "0.1.0"
