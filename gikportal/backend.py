"""The search backend the app is configured for, behind one small interface.

Everything outside this module (ingest, CLI, views) asks `for_config(config)` for an object
with rebuild/add/remove/exists/doc_count/ids/search/search_all and never learns whether it
talks to the embedded Whoosh index (default) or to PostgreSQL (GIKPORTAL_BACKEND=postgres).
"""
from functools import partial

BACKENDS = ("whoosh", "postgres")
OPERATIONS = ("rebuild", "add", "remove", "exists", "doc_count", "ids", "search", "search_all")


class Backend:
    """The engine module's functions with their location (index dir or database URL) bound."""

    def __init__(self, name, module, location):
        self.name = name
        self.location = location
        for op in OPERATIONS:
            setattr(self, op, partial(getattr(module, op), location))

    def __repr__(self):
        return f"<Backend {self.name} at {self.location}>"


def for_config(config):
    name = (config.get("BACKEND") or "whoosh").lower()
    if name == "postgres":
        from . import pgindex  # imported lazily: the Whoosh default needs no database driver

        return Backend(name, pgindex, config["DATABASE_URL"])
    if name != "whoosh":
        raise ValueError(f"unknown GIKPORTAL_BACKEND {name!r}; choose one of {', '.join(BACKENDS)}")
    from . import index

    return Backend(name, index, config["INDEX_DIR"])
