"""The web worker's heap, settled once the app is loaded.

A loaded Django process holds about 150,000 long-lived objects (modules, models, URL patterns,
settings). CPython's full collection walks every one of them, and a page that allocates many
objects (Link health at 20,000 clients) set one off about one request in ten: an 80 ms pause.
Freezing what is alive after start-up takes those objects out of the collector's walks, as
CPython's documentation advises for servers that load once and then serve.
"""

import gc

from django.urls import get_resolver


def settle() -> None:
    """Load the URL conf (and so every view module), collect once, then freeze the rest."""
    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
    gc.collect()
    gc.freeze()
