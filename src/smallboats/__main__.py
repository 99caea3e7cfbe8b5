"""`python -m smallboats` runs the command-line program."""

from smallboats.cli import entry

if __name__ == "__main__":  # worker processes (Dask, multiprocessing) import this module again
    entry()
