"""Writing outputs safely: checked before work starts, written atomically, never destroying what they replace.

Rules for every output path (``--output``, ``--out``, posterior files, reports):

* ``-`` means standard output (where a command writes one table);
* a symbolic link is followed: the file it points to is replaced, the link stays;
* an existing target must be a regular file (a directory, FIFO, socket or device is refused);
* the folder must exist or be creatable, and be writable; this is checked by :func:`check_output`
  **before** a long fit or scan, by creating and removing a probe file there;
* the content goes to a temporary file beside the target, renamed over it only when complete; on any
  error or signal (SIGINT, SIGTERM: see :mod:`bayes_perflaw.cli.main`) the temporary file is removed.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from bayes_perflaw.core.errors import DataError

STDOUT = "-"
_data_stream: list = []  # where '-' writes; set by the CLI when it sends its messages to stderr


@contextmanager
def stdout_for_data() -> Iterator[None]:
    """Within the block, ``-`` outputs go to the current standard output and everything else printed goes to
    standard error, so that ``--output -`` gives a clean CSV on stdout."""
    import sys
    from contextlib import redirect_stdout

    _data_stream.append(sys.stdout)
    try:
        with redirect_stdout(sys.stderr):
            yield
    finally:
        _data_stream.pop()


def _stdout():
    import sys

    return _data_stream[-1] if _data_stream else sys.stdout


def is_stdout(path: str | Path | None) -> bool:
    """Whether ``path`` is the ``-`` that means standard output."""
    return path is not None and str(path) == STDOUT


def resolve_output(path: str | Path, *, what: str = "output", flag: str | None = None) -> Path:
    """The file an output path writes to (symbolic links followed), after checking it can be a regular file.

    Raises :class:`DataError` naming the path (and ``flag``) when it is empty, an existing directory or other
    non-regular file, or when its folder is a file.
    """
    text = str(path)
    if not text.strip():
        raise DataError(f"the {what} path is empty", column=flag)
    target = Path(os.path.realpath(text))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise DataError(f"cannot use {text!r} as the {what}: {err.strerror}", column=flag) from None
    if mode is not None and not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (FIFO, socket or device)"
        raise DataError(f"cannot write the {what} to {text!r}: it is {kind}", column=flag)
    parent = _existing_ancestor(target.parent)
    if not parent.is_dir():
        raise DataError(f"cannot write the {what} to {text!r}: {str(parent)!r} is not a directory", column=flag)
    longest = len(_TEMP_PREFIX.format(name=target.name)) + 8 + len(_TEMP_SUFFIX)  # mkstemp adds 8 characters
    if longest > _name_max(parent):
        raise DataError(
            f"cannot write the {what} to {text!r}: its file name is too long ({len(target.name)} characters; at most "
            f"{_name_max(parent) - longest + len(target.name)} here, beside its temporary copy)",
            column=flag,
        )
    return target


_TEMP_PREFIX, _TEMP_SUFFIX = ".{name}.", ".tmp"  # the temporary file written beside a target (atomic_write)


def _name_max(folder: Path) -> int:
    """The longest file name ``folder``'s file system allows (255 where it does not say)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one existing file (symbolic links, ``..`` and hard links included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _existing_ancestor(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder`` (raises OSError if it cannot be written)."""
    fd, probe = tempfile.mkstemp(prefix=".bayes_perflaw.", suffix=".probe", dir=folder)
    os.close(fd)
    os.unlink(probe)


def check_output(path: str | Path | None, *, what: str = "output", flag: str | None = None) -> Path | None:
    """Check, before any long work, that ``path`` can be written (None and ``-`` pass).

    Writes and removes a probe file in the target's folder, or in its nearest existing ancestor when the
    folder is still to be created (nothing is created: a run that fails later leaves no trace). Returns the
    resolved target.
    """
    if path is None or is_stdout(path):
        return None
    target = resolve_output(path, what=what, flag=flag)
    try:
        _probe(_existing_ancestor(target.parent))
    except OSError as err:
        raise DataError(f"cannot write the {what} to {str(path)!r}: {err.strerror}", column=flag) from None
    if target.exists() and not os.access(target, os.W_OK):
        raise DataError(f"cannot write the {what} to {str(path)!r}: permission denied", column=flag)
    return target


def check_output_dir(path: str | Path, *, what: str = "output folder", flag: str | None = None) -> Path:
    """Check that a folder of outputs (``--out DIR``) is a directory or can be created there, and is writable
    (nothing is created)."""
    text = str(path)
    if not text.strip():
        raise DataError(f"the {what} path is empty", column=flag)
    folder = Path(os.path.realpath(text))
    if folder.exists() and not folder.is_dir():
        raise DataError(f"cannot use {text!r} as the {what}: it exists and is not a directory", column=flag)
    ancestor = _existing_ancestor(folder)
    if not ancestor.is_dir():
        raise DataError(f"cannot create the {what} {text!r}: {str(ancestor)!r} is not a directory", column=flag)
    try:
        _probe(ancestor)
    except OSError as err:
        raise DataError(f"cannot write to the {what} {text!r}: {err.strerror}", column=flag) from None
    return folder


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``'s target, then rename it into place.

    If ``write`` raises (or a signal interrupts it), the temporary file is removed and the target is left as
    it was. Returns the path as given.
    """
    target, tmp = _temp_beside(path)
    try:
        write(tmp)
        _publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Path(path)


def _temp_beside(path: str | Path) -> tuple[Path, Path]:
    target = resolve_output(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX.format(name=target.name), suffix=_TEMP_SUFFIX, dir=target.parent)
    os.close(fd)
    return target, Path(tmp)


def _publish(tmp: Path, target: Path) -> None:
    if target.exists():  # keep the permissions of the file being replaced
        mode = stat.S_IMODE(os.stat(target).st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # mkstemp makes 0600; new outputs get the usual permissions
    os.chmod(tmp, mode)
    os.replace(tmp, target)


@contextmanager
def csv_appender(path: str | Path, float_format: str = "%.4f") -> Iterator[Callable[[pd.DataFrame], None]]:
    """Yield ``append(df)`` streaming chunks into ``path`` (``-``: standard output); a file appears only if
    the block succeeds. A block that appends nothing writes nothing: call ``append`` with an empty frame to
    write the header alone."""
    if is_stdout(path):
        yield _appender(_stdout(), float_format)
        return
    target, tmp = _temp_beside(path)
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            yield _appender(fh, float_format)
        _publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _appender(fh, float_format: str) -> Callable[[pd.DataFrame], None]:
    first = [True]
    to_stream = fh is _stdout()

    def append(df: pd.DataFrame) -> None:
        if to_stream:
            _write_utf8(
                fh, df.to_csv(None, index=False, header=first[0], float_format=float_format, lineterminator="\n")
            )
        else:
            df.to_csv(fh, index=False, header=first[0], float_format=float_format, lineterminator="\n")
        first[0] = False

    return append


def _write_utf8(stream, text: str) -> None:
    """Data on standard output is UTF-8 whatever the terminal's encoding (a model name is data, not text to
    escape); streams without a byte buffer (e.g. a test's capture) get the text."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        return
    stream.flush()
    data = memoryview(text.encode("utf-8"))
    while data:  # a raw (unbuffered, PYTHONUNBUFFERED=1) stream may take part of a write: the rest follows, and a
        data = data[buffer.write(data) :]  # reader that closed the pipe meanwhile raises BrokenPipeError (exit 141)
    buffer.flush()


def write_csv(df: pd.DataFrame, path: str | Path, float_format: str = "%.4f") -> Path:
    """Write ``df`` to ``path`` atomically (``-``: standard output)."""
    if is_stdout(path):
        _write_utf8(_stdout(), df.to_csv(None, index=False, float_format=float_format, lineterminator="\n"))
        return Path(path)
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, float_format=float_format, encoding="utf-8"))
