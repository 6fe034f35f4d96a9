"""The ``bayes-perflaw`` command line: one thin module per command group (parse, call the library, emit)."""

from bayes_perflaw.cli.main import main

__all__ = ["main"]
