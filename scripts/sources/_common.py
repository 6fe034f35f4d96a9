"""Small helpers shared by the source-extraction scripts in ``scripts/sources/``.

Every extraction script reads a *fetched git mirror* (a bare git directory) with
``git --git-dir=MIRROR show COMMIT:path`` so that each extract is tied to an exact
commit.  Nothing here touches the network.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCES_DIR = REPO_ROOT / "data" / "sources"

# Models released 2025-04 or later must never be written anywhere.
CUTOFF_DATE = "2025-03-31"


def git(mirror: str | Path, *args: str) -> str:
    out = subprocess.run(
        ["git", f"--git-dir={mirror}", *args],
        check=True,
        capture_output=True,
    )
    return out.stdout.decode("utf-8", errors="replace")


def git_bytes(mirror: str | Path, *args: str) -> bytes:
    out = subprocess.run(["git", f"--git-dir={mirror}", *args], check=True, capture_output=True)
    return out.stdout


def resolve(mirror: str | Path, rev: str) -> str:
    return git(mirror, "rev-parse", f"{rev}^{{commit}}").strip()


def commit_date(mirror: str | Path, commit: str) -> str:
    """Committer date (ISO, with offset) of ``commit``."""
    return git(mirror, "log", "-1", "--format=%cI", commit).strip()


def commit_subject(mirror: str | Path, commit: str) -> str:
    return git(mirror, "log", "-1", "--format=%s", commit).strip()


def show_text(mirror: str | Path, commit: str, path: str) -> str:
    raw = git_bytes(mirror, "show", f"{commit}:{path}")
    text = raw.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def read_csv_at(mirror: str | Path, commit: str, path: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(show_text(mirror, commit, path))))


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in columns})


def today() -> str:
    return _dt.date.today().isoformat()


def month_ok(date_str: str | None) -> bool | None:
    """True if ``date_str`` (YYYY-MM[-DD...]) is <= CUTOFF_DATE, False if later, None if unknown."""
    if not date_str:
        return None
    d = date_str.strip()[:10]
    if len(d) < 7 or not d[:4].isdigit():
        return None
    if len(d) == 7:
        d = d + "-01"
    return d <= CUTOFF_DATE
