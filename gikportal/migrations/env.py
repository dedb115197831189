"""Alembic environment for the PostgreSQL backend: run by `flask --app app db upgrade` and by
gikportal.pgindex.upgrade(url), which hands over a live connection in config.attributes."""
from alembic import context
from sqlalchemy import create_engine

config = context.config


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from gikportal.pgindex import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as conn:
        context.configure(connection=conn, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
