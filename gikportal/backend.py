"""The search backend the app is configured for, behind one small interface.

Everything outside this module (ingest, CLI, views) asks `for_config(config)` for an object
with rebuild/add/remove/exists/doc_count/ids/search/search_all and never learns whether it
talks to the embedded Whoosh index (default) or to PostgreSQL (GIKPORTAL_BACKEND=postgres).
"""
from functools import partial

BACKENDS = ("whoosh", "postgres")
OPERATIONS = ("rebuild", "remove", "exists", "doc_count", "ids", "search", "search_all", "size_bytes",
              "generation", "agency_years")


class Backend:
    """The engine module's functions with their location (index dir or database URL) bound.

    An engine may also offer prepare(location, record) -> picklable document: ingest calls it in
    its worker processes, so the analysis of the text runs in parallel and add() only writes.
    """

    def __init__(self, name, module, location):
        self.name = name
        self.location = location
        self.module = module
        for op in OPERATIONS:
            setattr(self, op, partial(getattr(module, op), location))

    def prepare(self, record):
        prepare = getattr(self.module, "prepare", None)
        return prepare(self.location, record) if prepare else None

    def add(self, records, prepared=None, bulk=False):
        """Add or replace records; prepared: {id: what prepare() made for that record}; bulk:
        more batches follow and settle() comes after the last (an engine may defer merging)."""
        kwargs = {}
        if prepared and hasattr(self.module, "prepare"):
            kwargs["prepared"] = prepared
        if bulk and hasattr(self.module, "settle"):
            kwargs["merge"] = False
        return self.module.add(self.location, records, **kwargs)

    def settle(self):
        """After a bulk add: let the engine tidy up (Whoosh merges its small segments)."""
        settle = getattr(self.module, "settle", None)
        return settle(self.location) if settle else None

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
