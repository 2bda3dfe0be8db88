"""The human queue as a local web page."""
