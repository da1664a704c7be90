"""The benchmarks' own PostgreSQL database: created on first use, never the application's."""

import psycopg


def database_ensure(settings_dict: dict) -> None:
    """Create the database named in Django's settings if the server does not have it yet."""
    with (
        psycopg.connect(
            dbname="postgres",
            user=settings_dict["USER"] or None,
            password=settings_dict["PASSWORD"] or None,
            host=settings_dict["HOST"] or None,
            port=settings_dict["PORT"] or None,
            autocommit=True,
        ) as server,
        server.cursor() as cursor,
    ):
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings_dict["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
