"""Real threads released together, for the races the database must settle (the last seat, one
appointment per sheet, one form sent twice at once)."""

import threading

from django.db import connection


def at_once(work, arguments: list) -> list:
    """Run work(argument) in one thread per argument, all released together; return what each
    returned or raised."""
    barrier = threading.Barrier(len(arguments))
    results: list = [None] * len(arguments)

    def run(index, argument):
        try:
            barrier.wait(timeout=10)
            results[index] = work(argument)
        except Exception as error:  # reported to the test as a result
            results[index] = error
        finally:
            # Each thread opened its own connection: close it, or the test database cannot be emptied.
            connection.close()

    threads = [threading.Thread(target=run, args=(index, argument)) for index, argument in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results
