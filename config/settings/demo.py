"""`make demo`: the local settings as a user meets them — DEBUG off, so a wrong address, a refusal
or an error shows the project's Japanese pages (templates/errors/) and never Django's technical
pages in English. Static files are served by WhiteNoise from the finders (base.py), as with DEBUG."""

from .local import *  # noqa: F403

DEBUG = False
