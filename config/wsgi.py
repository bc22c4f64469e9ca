import os

from django.core.wsgi import get_wsgi_application

# A server runs production settings unless told otherwise (``make demo`` sets config.settings.demo).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
