"""Task functions for the distributed tests (importable by worker processes)."""

import os


def crash_once(arg):
    """Kill the worker process the first time; succeed when retried."""
    marker, x = arg
    if not os.path.exists(marker):
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
        os._exit(1)
    return x * 2
