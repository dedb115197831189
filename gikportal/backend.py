"""Which search engine the app is configured for; nothing else.

Everything outside the engines (ingest, CLI, views) asks `for_config(config)` for a
`searching.SearchBackend` and never learns whether it talks to the embedded Whoosh index
(default) or to PostgreSQL (GIKPORTAL_BACKEND=postgres). The seam itself, its result types and
the engine-neutral assembly of an answer live in gikportal/searching/.
"""
from .searching.seam import SearchBackend

BACKENDS = ("whoosh", "postgres")


def engine(name, location, replicas=()) -> SearchBackend:
    """The engine `name` at `location` (an index folder for Whoosh, a database URL for PostgreSQL;
    replicas: URLs of PostgreSQL read replicas of that database, which then answer the reads)."""
    if name == "postgres":
        from .pgindex import PostgresIndex  # imported lazily: the Whoosh default needs no database driver

        return PostgresIndex(location, replicas)
    if name == "whoosh":
        from .index import WhooshIndex

        return WhooshIndex(location)
    raise ValueError(f"unknown GIKPORTAL_BACKEND {name!r}; choose one of {', '.join(BACKENDS)}")


def for_config(config) -> SearchBackend:
    name = (config.get("BACKEND") or "whoosh").lower()
    if name == "postgres":
        return engine(name, config["DATABASE_URL"], config.get("DATABASE_REPLICA_URLS") or ())
    return engine(name, config["INDEX_DIR"])


def upgrade_schema(config, revision="head"):
    """Create or migrate the PostgreSQL backend's schema (alembic); returns the revision now in
    place. The CLI's `db upgrade` asks here, so no command imports an engine."""
    from . import pgindex

    pgindex.upgrade(config["DATABASE_URL"], revision)
    return pgindex.current_revision(config["DATABASE_URL"])


def schema_revisions(config):
    """(the database's schema revision or None, the newest revision) of the PostgreSQL backend."""
    from . import pgindex

    return pgindex.current_revision(config["DATABASE_URL"]), pgindex.head_revision()
