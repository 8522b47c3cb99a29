"""Django configuration of the jiuzhu platform: settings, URLs, WSGI."""
