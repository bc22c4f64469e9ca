import os

from django.core.asgi import get_asgi_application

# A server runs production settings unless told otherwise (``make demo`` sets config.settings.demo).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()
