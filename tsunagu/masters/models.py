"""The masters app has no tables of its own: the lists are ``core.models.CodeItem``."""
