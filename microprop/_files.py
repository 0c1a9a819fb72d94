"""Writing files so that a failure never leaves half a file: the one writer every output uses.

The text goes to a temporary file beside the target, is flushed to disk, and only then takes the
target's name, in one rename. Until that rename the old file is untouched. A symlink stays a
symlink: the file it points to is the one replaced.
"""

from __future__ import annotations

import os
import tempfile


def output_path(path: object, what: str) -> str:
    """``path`` as a str naming a file that can be written, or an error naming what is wrong."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{what}: expected a file name (str or pathlib.Path), got {type(path).__name__}"
        )
    text = os.fspath(path)
    if not isinstance(text, str):  # a PathLike may give bytes
        raise TypeError(f"{what}: expected a file name as text, got {type(text).__name__}")
    if not text:
        raise ValueError(f"{what}: the file name is empty")
    return text


def write_atomic(path: str, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8), all at once or not at all."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder; give a file name")
    # Through a symlink, write the file it points to: renaming onto the link itself would
    # replace the link with a regular file and leave its target stale.
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"the folder {folder!r} does not exist")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    # Same folder, so os.replace is a rename on one file system: atomic, never half-written.
    fd, tmp = tempfile.mkstemp(prefix=".microprop-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        try:  # mkstemp makes the file private; give it the usual permissions
            os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
