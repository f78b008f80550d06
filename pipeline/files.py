"""Writing a file so that readers see the old one or the whole new one, never a part: for outputs,
the compiled dictionaries and corrections.yaml alike (none of them needs the exporters for it)."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import tempfile
from pathlib import Path

from .errors import OutputError

__all__ = ["atomic_write"]


@functools.cache
def _default_mode() -> int:
    # The umask can only be read by setting it; done once per process.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return _default_mode()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write here ({e.strerror})", path=path.parent) from e
    try:
        # mkstemp makes the file private (0600); give it the mode the file had, or the usual one.
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        # Ctrl-C (KeyboardInterrupt) can land here too: the temporary file goes either way.
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if not isinstance(e, OSError):
            raise
        reason = "the disk is full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
        raise OutputError(f"cannot write the output ({reason}); nothing was left half-written", path=path) from e
