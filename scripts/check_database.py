"""Stop early, in one line, when the test database or cache server cannot be reached."""

import os
import sys

import environ
import psycopg

url = os.environ["DATABASE_URL"]
config = environ.Env.db_url_config(url)
if config["ENGINE"] != "django.db.backends.postgresql":
    sys.exit(f"The test suite runs on PostgreSQL only; DATABASE_URL is {url!r}.")
try:
    psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        connect_timeout=5,
    ).close()
except psycopg.OperationalError as error:
    first_line = str(error).strip().splitlines()[0]
    sys.exit(
        f"PostgreSQL is unreachable at {url} ({first_line}). "
        "Start it, or point the tests at another server: "
        "DATABASE_URL=postgres://user:password@host:5432/name make test"
    )

redis_url = os.environ.get("REDIS_URL", "")
if redis_url:
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except Exception as error:  # any failure to reach it is the same message to the user
        sys.exit(
            f"Redis is unreachable at {redis_url} ({type(error).__name__}). "
            "Start it, or point the tests at another one: REDIS_URL=redis://host:6379/1 make test"
        )
