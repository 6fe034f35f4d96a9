"""Exceptions and warnings raised by bayes_perflaw (one module, as in CausalPy)."""

from __future__ import annotations


class BayesPerflawError(Exception):
    """Base class: every error the CLI turns into a one-line message and exit code 2."""


class DataError(BayesPerflawError, ValueError):
    """A table, a recipe or a command-line value is unusable.

    The message names the file (if any), the row and the column, e.g.
    ``recipes.csv, row 3 (model 'x'), column 'hidden_size': must be > 0, got -4096``. ``field`` names what
    ``column`` is when it is not a table's column (``"parameter"`` for a prior).
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        model: str | None = None,
        column: str | None = None,
        field: str = "column",
    ) -> None:
        self.source, self.row, self.model, self.column, self.field = source, row, model, column, field
        where = []
        if source:
            where.append(str(source))
        if row is not None:
            where.append(f"row {row}" + (f" (model {model!r})" if model else ""))
        if column:
            where.append(f"option {column}" if str(column).startswith("--") else f"{field} {column!r}")
        self.detail = message
        super().__init__((", ".join(where) + ": " if where else "") + message)


class UnitError(DataError):
    """A size such as ``15T`` or ``8B`` could not be read, or is ambiguous."""


class PosteriorFileError(BayesPerflawError):
    """A posterior file is missing, corrupt, or of another model kind."""


class SamplerNotAvailableError(BayesPerflawError):
    """The requested sampler backend is not installed."""


class ScaleWarning(UserWarning):
    """Input scores that look like another scale than the one a model reads (e.g. chance-normalised)."""


class ConvergenceWarning(UserWarning):
    """A fit breached PyMC's thresholds (r_hat, ESS, divergences, BFMI)."""
