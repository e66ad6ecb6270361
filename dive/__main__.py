"""`python -m dive` is the same as the `dive` command."""

from dive.cli.main import entry

entry()
