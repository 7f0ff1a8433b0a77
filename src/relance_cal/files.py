"""Every file the tool writes goes through here: the file stays the user's file.

A write is atomic (readers see the old content or the new, never half) and keeps what makes
the file the user's: a symbolic link is followed (the file it points to is written, the link
stays a link), and owner, group, mode, extended attributes (ACLs among them) and hard links
are kept. When a new file could not carry all of that (a file with several names, owned by
someone else, or whose attributes cannot be copied), the file is rewritten in place instead,
after a complete copy of its old content is saved beside it: a write cut short is undone by
reading that copy (`read`) and finished by the next write.

A write can be made conditional on the file being the one read (`Snapshot`): a calendar app
that saved meanwhile raises `ChangedMeanwhile`, and the caller reads again.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from relance_cal.errors import ConfigError, DiskFullError, UserError

_ABANDONED_AFTER = 3600  # seconds: no write takes this long, its temporary file is left over
_TIMESTAMP_GRAIN = 2_000_000_000  # ns: a change this close to the read may not show in mtime
_COPY_CHUNK = 1 << 20


class ChangedMeanwhile(Exception):
    """The file is no longer the one read: another program wrote it. Read it again."""


@dataclass(frozen=True)
class Snapshot:
    """What identifies the content read from a file, to tell whether it changed since."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    digest: str
    taken_ns: int

    @classmethod
    def absent(cls) -> Snapshot:
        """There was no file."""
        return cls(-1, -1, -1, -1, "", 0)

    def still(self, path: Path) -> bool:
        """Whether `path` holds what was read: same file, same size and time, and, when a
        change could hide within the file system's timestamp grain, the same bytes."""
        try:
            now = os.stat(path)
        except FileNotFoundError:
            return self.inode == -1
        same = (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == (
            self.device,
            self.inode,
            self.size,
            self.mtime_ns,
        )
        if not same:
            return False
        if now.st_mtime_ns < self.taken_ns - _TIMESTAMP_GRAIN:
            return True
        return _digest_of(path) == self.digest


def read(path: Path) -> tuple[bytes | None, Snapshot]:
    """The content of `path` (None: no such file) and its snapshot.

    After an in-place write cut short, the saved copy of the old content is what is read.
    Raises OSError as `open` does (FileNotFoundError excepted).
    """
    target = _target(path)
    taken = time.time_ns()
    try:
        with open(target, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ConfigError(f"{path}: not a regular file; give the path of a file")
            data = f.read()
    except FileNotFoundError:
        return None, Snapshot.absent()
    digest = hashlib.sha256(data).hexdigest()
    with contextlib.suppress(FileNotFoundError):
        data = _backup_path(target, info.st_ino).read_bytes()
    return data, Snapshot(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, digest, taken)


def write(
    path: Path,
    data: bytes | Iterable[bytes],
    *,
    unchanged_since: Snapshot | None = None,
    private: bool = False,
    new_only: bool = False,
    hint: str = "",
) -> None:
    """Replace the content of `path` by `data`, keeping the file's identity.

    `unchanged_since`: only if the file is still the one read (else `ChangedMeanwhile`).
    `private`: a new file is made 0600 (an existing one keeps its mode).
    `new_only`: never replace an existing file (ConfigError naming it).
    `hint`: added to the message when the file may not be written.
    Missing folders are created 0700. Errors: ConfigError (exit 2) naming the path, with
    `hint`; DiskFullError (exit 4) when the disk or quota is full.
    """
    target = _target(path)
    try:
        make_folders(target.parent)
        try:
            info = os.stat(target)
        except FileNotFoundError:
            info = None
        if info is not None and new_only:
            raise ConfigError(f"{path}: already exists; it is never overwritten")
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: not a regular file; give the path of a file")
        if unchanged_since is not None and not unchanged_since.still(target):
            raise ChangedMeanwhile(str(path))
        if info is not None and not os.access(target, os.W_OK):
            raise _refused(path, "you may not write this file", hint)
        if info is not None and _in_place(info):
            _write_in_place(target, info, data, unchanged_since)
        else:
            if not os.access(target.parent, os.W_OK | os.X_OK):
                raise _refused(path, f"you may not write in the folder {target.parent}", hint)
            _replace(target, info, data, private, unchanged_since, new_only)
    except OSError as e:
        raise _failed(path, e, hint) from None


def _target(path: Path) -> Path:
    """The file a path names, through any symbolic links (a missing one: where it would be)."""
    return Path(os.path.realpath(path))


def _in_place(info: os.stat_result) -> bool:
    """Whether a new file could not take the old one's place without changing its identity."""
    return info.st_nlink > 1 or info.st_uid != os.geteuid()


def _replace(
    target: Path,
    info: os.stat_result | None,
    data: bytes | Iterable[bytes],
    private: bool,
    unchanged_since: Snapshot | None,
    new_only: bool = False,
) -> None:
    _remove_abandoned(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_temporary_prefix(target), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if info is None:
                os.fchmod(f.fileno(), 0o600 if private else 0o666 & ~_umask())
            elif not _carry_identity(f.fileno(), target, info):
                # Its group or attributes cannot be given to a new file: rewrite it in place.
                Path(tmp).unlink()
                _write_in_place(target, info, data, unchanged_since)
                return
            for chunk in [data] if isinstance(data, bytes) else data:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        if info is None:
            try:
                os.link(tmp, target)  # fails if a file appeared meanwhile
            except FileExistsError:
                if new_only:
                    raise ConfigError(f"{target}: already exists; never overwritten") from None
                if unchanged_since is not None:
                    raise ChangedMeanwhile(str(target)) from None
                os.replace(tmp, target)
            Path(tmp).unlink(missing_ok=True)
        else:
            if unchanged_since is not None and not unchanged_since.still(target):
                raise ChangedMeanwhile(str(target))
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _carry_identity(fd: int, target: Path, info: os.stat_result) -> bool:
    """Give the new file the old one's group, mode and extended attributes; False if one
    cannot be given."""
    try:
        if os.fstat(fd).st_gid != info.st_gid:
            os.fchown(fd, -1, info.st_gid)
        for name in _xattrs(target):
            os.setxattr(fd, name, os.getxattr(target, name, follow_symlinks=False))
        os.fchmod(fd, stat.S_IMODE(info.st_mode))  # after fchown, which may clear setgid
    except OSError as e:
        if e.errno in (errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EINVAL):
            return False
        raise
    return True


def _xattrs(path: Path) -> list[str]:
    try:
        return os.listxattr(path, follow_symlinks=False)
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.ENOSYS):
            return []
        raise


def _write_in_place(
    target: Path, info: os.stat_result, data: bytes | Iterable[bytes], unchanged: Snapshot | None
) -> None:
    """Rewrite the file's own content, a complete copy of the old one saved first.

    The copy is made before the file is opened for writing and removed once the new content
    is on disk: a write cut short is undone by `read`, which reads the copy.
    """
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "no room for the safety copy", str(target.parent))
    backup = _backup_path(target, info.st_ino)
    if not backup.exists():
        _replace(backup, None, _chunks_of(target), True, None)
    if unchanged is not None and not unchanged.still(target):
        backup.unlink()
        raise ChangedMeanwhile(str(target))
    with open(target, "r+b") as f:
        for chunk in [data] if isinstance(data, bytes) else data:
            f.write(chunk)
        f.truncate()
        f.flush()
        os.fsync(f.fileno())
    backup.unlink()
    _sync_folder(target.parent)


def _chunks_of(path: Path) -> Iterable[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(_COPY_CHUNK):
            yield chunk


def _backup_path(target: Path, inode: int) -> Path:
    """Where the old content of the file with this inode waits during an in-place write."""
    return target.with_name(f".{target.name}.relance-cal-backup-{inode}")


def make_folders(folder: Path) -> None:
    """Create the missing folders of a path, each private (0700); existing ones are left as
    they are."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for one in reversed(missing):
        with contextlib.suppress(FileExistsError):
            one.mkdir(mode=0o700)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _digest_of(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks_of(path):
        digest.update(chunk)
    return digest.hexdigest()


def _remove_abandoned(target: Path) -> None:
    """Remove the temporary files of writes that never ended (a run killed, a power cut).

    Only names `mkstemp` gave ours (our prefix, 8 random characters), and only old ones: a
    write in progress elsewhere keeps its file.
    """
    limit = time.time() - _ABANDONED_AFTER
    ours = f"{glob.escape(_temporary_prefix(target))}{'[a-z0-9_]' * 8}.tmp"
    for leftover in target.parent.glob(ours):
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove
            if leftover.stat().st_mtime < limit:
                leftover.unlink()


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}.relance-cal-"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _refused(path: Path, why: str, hint: str) -> ConfigError:
    return ConfigError(f"{path}: not written: {why}{'; ' + hint if hint else ''}")


def _failed(path: Path, error: OSError, hint: str) -> UserError:
    why = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"{path}: not written: {why}; free some space and run again")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _refused(path, why.lower(), hint)
    return ConfigError(f"{path}: not written: {why}")


def guard_secret(path: Path, *, own_folder: bool) -> list[str]:
    """Warnings about a secret file (a sign-in token) that others may read or replace.

    The file is made 0600 when found looser. Its folder is made 0700 only when it is the
    tool's own (`own_folder`); a folder of the user's (their home, for instance) is never
    changed: a warning says when other users may write in it, and so replace the secret.
    """
    warnings = []
    folder = _target(path).parent
    if folder.exists():
        mode = stat.S_IMODE(folder.stat().st_mode)
        if own_folder and mode & 0o077:
            folder.chmod(0o700)
            warnings.append(f"{folder} was open to other users (mode {mode:o}); changed it to 700")
        elif mode & 0o022 and not mode & stat.S_ISVTX:
            warnings.append(
                f"{folder}, the folder of {path.name}, is writable by other users "
                f"(mode {mode:o}): they could replace the file; make it yours only "
                f"(chmod go-w {folder}) or move the file"
            )
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(0o600)
            warnings.append(f"{path} was open to other users (mode {mode:o}); changed it to 600")
    return warnings
