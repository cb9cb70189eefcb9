"""The ``combopt`` command line (typer). Imports anything below it: the API, the benchmark
runner, the registry; nothing imports the CLI."""
