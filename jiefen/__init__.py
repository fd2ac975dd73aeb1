"""jiefen (解纷): dispute registration and resolution for towns, counties and cities."""
