"""The command line: the only place that prints. Each module here with a ``register`` function
adds its sub-commands; :mod:`flagstone.cli.main` discovers them, so a new command is one new module."""
