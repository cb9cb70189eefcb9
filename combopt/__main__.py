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
        return _main()
    finally:
        _forget_caught_interrupts()


def _main() -> int:
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


def _forget_caught_interrupts() -> None:
    """Every Ctrl-C has been answered by now (one line, exit code 130). CPython marks a KeyboardInterrupt as unhandled
    when it leaves code run from a string (``exec``/``eval``: a namedtuple or a dataclass being built while a module
    loads, a Numba kernel being compiled) even where it is caught further up, and ``python -m combopt`` then ended
    by SIGINT itself (returncode -2) after printing its line and returning 130. Running code from a string once more
    clears that mark (CPython sets it afresh for each such run)."""
    exec("")


if __name__ == "__main__":
    sys.exit(main())
