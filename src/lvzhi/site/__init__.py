"""Django project: settings, URLs and WSGI entry point of the Lüzhi platform."""
