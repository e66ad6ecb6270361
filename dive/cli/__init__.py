"""cli: the `dive` command."""
