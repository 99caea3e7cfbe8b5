"""`python -m smallboats` runs the command-line program."""

from smallboats.cli import entry

entry()
