"""The daily summary: one query layer (data.py) and thin renderers over it."""
