"""Stop early, in one line, when the test database server cannot be reached."""

import os
import sys

import environ
import psycopg2

url = os.environ["DATABASE_URL"]
config = environ.Env.db_url_config(url)
if config["ENGINE"] != "django.db.backends.postgresql":
    sys.exit(f"The test suite runs on PostgreSQL only; DATABASE_URL is {url!r}.")
try:
    psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        connect_timeout=5,
    ).close()
except psycopg2.OperationalError as error:
    first_line = str(error).strip().splitlines()[0]
    sys.exit(
        f"PostgreSQL is unreachable at {url} ({first_line}). "
        "Start it, or point the tests at another server: "
        "DATABASE_URL=postgres://user:password@host:5432/name make test"
    )
