"""``python -m combopt`` and the ``combopt`` console script.

The CLI is imported inside :func:`main` so that Ctrl-C while Python is still loading numpy,
numba and the families (a second or more on a cold, loaded machine) ends like any other
interrupt: one line and exit code 130, no traceback.
"""

import sys

EXIT_INTERRUPTED = 130


def _interrupted(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def main() -> int:
    try:
        from .cli.app import main as cli_main
    except BaseException as e:  # an interrupt during imports may surface as ImportError from a C extension
        if _interrupted(e):
            print("combopt: interrupted while starting", file=sys.stderr)
            return EXIT_INTERRUPTED
        raise
    try:
        return cli_main()
    except KeyboardInterrupt:  # the last resort: an interrupt between the CLI's own handlers (the tear-down)
        print("combopt: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
