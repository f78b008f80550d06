"""Writing a file so that readers see the old one or the whole new one, never a part: for outputs,
the compiled dictionaries and corrections.yaml alike (none of them needs the exporters for it); and
reading a text file given by a person in whichever Unicode form its byte-order mark names."""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import re
import signal
import stat
import tempfile
from pathlib import Path

from .errors import InputFileError, OutputError

__all__ = ["atomic_write", "as_utf8", "file_hash", "is_new_version", "read_utf8_text", "remove_own_temporaries",
           "remove_stale_temporaries", "unreadable",
           "utf8_text", "NEW_VERSION"]


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


# The longest file name most file systems take, in bytes.
_NAME_MAX = 255
# The temporary files atomic_write makes of an output: ".NAME." (or ".ocrfix.") + mkstemp's 8
# characters + ".tmp", where NAME is an output's (a person's ".backup.20261204.tmp" is no output's).
_TEMPORARY = re.compile(r"\.(?:.+\.(?i:txt|json|xml|hocr|html?|pdf)|ocrfix)\.[a-z0-9_]{8}\.tmp")
# What marks the new version of an output written beside the file because the file was edited by
# hand (letter.ocrfix-new.txt beside letter.txt): such files are never inputs, nor outputs to score.
NEW_VERSION = ".ocrfix-new."


def is_new_version(name: str) -> bool:
    """Whether a file's name is that of a new version of an output put beside an edited one."""
    return NEW_VERSION in name


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (inputs can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def remove_stale_temporaries(folder: Path, before: float, skip: str = "") -> int:
    """Remove the temporary files of atomic_write that an interrupted run (kill -9, a power cut)
    left in ``folder`` and its sub-folders (``skip``: a sub-folder's name passed by), those last
    changed before ``before`` (a time.time()) only: a writer that started since is not robbed of
    its file. Files of other names stay, whatever they end in. Returns how many were removed."""
    removed = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        if skip in dirnames:
            dirnames.remove(skip)
        for name in filenames:
            if name.startswith(".") and name.endswith(".tmp") and _TEMPORARY.fullmatch(name):
                path = os.path.join(dirpath, name)
                with contextlib.suppress(OSError):  # (gone already, or not ours to remove)
                    if os.lstat(path).st_mtime < before:
                        os.unlink(path)
                        removed += 1
    return removed


def _signal_mask() -> set[int] | None:
    """This thread's signal mask, unchanged (None where the system has no pthread_sigmask)."""
    return signal.pthread_sigmask(signal.SIG_BLOCK, ()) if hasattr(signal, "pthread_sigmask") else None


def _set_signal_mask(mask: set[int] | None) -> None:
    """Set this thread's signal mask (a signal it unblocks that came meanwhile is handled now)."""
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


# The temporary files atomic_write has made in this process and not yet renamed or removed: a
# worker stopped with SIGTERM removes them as it ends (``remove_own_temporaries``).
_MADE: set[str] = set()


def remove_own_temporaries() -> None:
    """Remove the temporary files this process's atomic_write calls have open (for a stop's
    handler: the writes are given up)."""
    for tmp in list(_MADE):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode = path.stat().st_mode  # (a link's target)
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        # The rename puts a regular file in its place: `corrections add -c /dev/null` took /dev/null
        # away (as root) and -o /dev/stdout a terminal's link.
        raise OutputError("is not a regular file (a device, a pipe or a folder), and writing would replace it; "
                          "give the path of a file", path=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The temporary file is named after the output, where the name leaves room for the 14
        # characters mkstemp adds (a scan named near the 255-byte limit failed as "cannot write here").
        prefix = f".{path.name}." if len(os.fsencode(path.name)) <= _NAME_MAX - 16 else ".ocrfix."
        # Ctrl-C and SIGTERM wait while the file is made, until the cleanup below covers it: a
        # stop whose handler ran just after mkstemp's open left the file behind (under load).
        # (the mask taken before it is changed: a stop handled as it is blocked cannot leave it so)
        held = _signal_mask()
        try:
            _set_signal_mask(None if held is None else held | {signal.SIGINT, signal.SIGTERM})
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
            _MADE.add(tmp)
        except BaseException:
            _set_signal_mask(held)
            raise
    except OSError as e:
        raise OutputError(f"cannot write here ({e.strerror})", path=path.parent) from e
    try:
        _set_signal_mask(held)  # (a stop that came meanwhile lands here, and the file goes)
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
    finally:
        _MADE.discard(tmp)


_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def as_utf8(path: Path, data: bytes) -> bytes:
    """The file's bytes as UTF-8: UTF-16 (and UTF-8) by its byte-order mark; anything else is taken as
    UTF-8 as it is. A NUL byte is no text's: a binary file (a scan given as OCR) or UTF-16 without a
    mark, whose words would be read as garbage and "corrected"."""
    # (UTF-32's marks first: UTF-16's little-endian one is the start of UTF-32's)
    for mark, encoding in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8"),
                           (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(mark):
            try:
                text = data[len(mark):].decode(encoding)
            except UnicodeDecodeError as e:
                raise InputFileError(f"starts with a {encoding.upper()} byte-order mark but is not {encoding.upper()} text", path=path) from e
            # An XML declaration that names the old encoding would make the parser decode the UTF-8 again.
            return _XML_ENCODING.sub(r"\1", text, count=1).encode("utf-8")
    if b"\x00" in data:
        raise InputFileError("is not a text, hOCR or ALTO file (it holds NUL bytes: a binary file, or UTF-16 text "
                             "without a byte-order mark; save it as UTF-8)", path=path)
    return data


def utf8_text(path: Path, data: bytes) -> str:
    """A text file's bytes as text: UTF-8, or what its byte-order mark names; InputFileError where
    they are neither (Latin-1 or Windows-1252 read as UTF-8 lost every accented letter, with no word
    said), naming the line and the first byte that is not UTF-8."""
    data = as_utf8(path, data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputFileError(f"is not UTF-8 text (byte {data[e.start]:#04x} at offset {e.start}; Latin-1 or "
                             "Windows-1252?); save it as UTF-8, e.g. iconv -f windows-1252 -t utf-8",
                             path=path, line=data.count(b"\n", 0, e.start) + 1) from e


def unreadable(path: Path, error: OSError) -> InputFileError:
    """The error for an input that cannot be opened: a link whose file is gone, or that leads round
    a loop of links, says so ("No such file or directory" named a file the person's own listing
    shows)."""
    if path.is_symlink() and not path.exists():
        try:
            os.stat(path)
        except OSError as e:
            if e.errno == errno.ELOOP:
                return InputFileError(f"is a link to {os.readlink(path)} in a loop of links, which leads to no file",
                                      path=path)
        return InputFileError(f"is a link to {os.readlink(path)}, which is not there (moved or renamed?)", path=path)
    return InputFileError(f"cannot read the file ({error.strerror})", path=path)


def read_utf8_text(path: Path) -> str:
    """A person's text file (ground truth): ``utf8_text`` of its bytes."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise unreadable(path, e) from e
    return utf8_text(path, data)
