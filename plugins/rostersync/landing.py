"""Landing: copy a district's upload from its SFTP folder into `data/landing/<district>/<run>/`, once.

The landed folder is immutable and carries `manifest.json` (sha256 and size of each file); a rerun
of the same run reads it instead of pulling again. The remote is anything with SFTPHook's
`list_directory_with_attr` and `retrieve_file`, so tests and the DAG use the same code.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rostersync.formats import Format

MANIFEST = "manifest.json"


class Remote(Protocol):
    def list_directory_with_attr(self, path: str) -> list[Any]: ...

    def retrieve_file(self, remote_full_path: str, local_full_path: str) -> None: ...


class MissingFiles(RuntimeError):
    """A required file is not in the upload; all required files must arrive together."""


class UploadChanged(RuntimeError):
    """A file changed while it was being copied."""


@dataclass
class LandingResult:
    folder: str
    files: dict[str, dict] = field(default_factory=dict)  # name -> {size, sha256}
    upload_sha256: str = ""
    waiting_on: list[str] = field(default_factory=list)
    same_as_run: str | None = None
    """The applied run whose upload was byte-for-byte this one: nothing new to sync."""
    uploaded_at: float = 0.0
    """When the district wrote the upload (the newest file's modification time, epoch seconds)."""
    disconnected: bool = False
    """Clever refused the district's token: nothing was pulled."""
    settles_in: float = 0.0
    """While waiting: seconds until the last file still being written has been unchanged long enough."""

    def as_dict(self) -> dict:
        return asdict(self)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def upload_digest(files: dict[str, dict]) -> str:
    """One sha256 for a whole upload: its file names and their contents."""
    lines = "".join(f"{name}\t{files[name]['sha256']}\n" for name in sorted(files))
    return hashlib.sha256(lines.encode()).hexdigest()


def land_upload(
    remote: Remote,
    remote_path: str,
    fmt: Format,
    dest: Path,
    *,
    settle_seconds: int,
    last_applied: tuple[str, str] | None = None,
    now: float | None = None,
) -> LandingResult:
    """Land the upload, or say which files are still being written (`waiting_on`)."""
    result = _landed(dest)
    if result is None:
        listing = {
            a.filename: a
            for a in remote.list_directory_with_attr(remote_path)
            if a.st_mode is None or stat.S_ISREG(a.st_mode)
        }
        wanted = [spec.name for spec in fmt.files if spec.name in listing]
        missing = [name for name in fmt.required_files if name not in listing]
        packages = sorted(name for name in listing if name.lower().endswith(".zip"))
        if missing and packages:  # one zipped package instead of the files: the format check unpacks it
            wanted, missing = packages[:1], []
        if missing:
            raise MissingFiles(
                f"{remote_path}: required file(s) missing from the upload: {', '.join(missing)}. "
                f"{fmt.title} needs {', '.join(fmt.required_files)} uploaded together (or in one .zip)."
            )
        now = time.time() if now is None else now
        settling = [name for name in wanted if now - (listing[name].st_mtime or 0) < settle_seconds]
        if settling:
            settles_in = max(settle_seconds - (now - (listing[name].st_mtime or 0)) for name in settling)
            return LandingResult(folder=str(dest), waiting_on=settling, settles_in=settles_in)
        result = _copy(remote, remote_path, wanted, listing, dest, max(listing[n].st_mtime or 0 for n in wanted))
    return _compare(result, last_applied)


def _landed(dest: Path) -> LandingResult | None:
    """The run's landing, if it already happened: a rerun reads it and never pulls twice."""
    manifest = dest / MANIFEST
    return LandingResult(**json.loads(manifest.read_text())) if manifest.exists() else None


def _partial(dest: Path) -> Path:
    """An empty folder beside `dest` to land into (what a killed attempt left there is dropped)."""
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    return partial


def _publish(partial: Path, dest: Path, result: LandingResult) -> LandingResult:
    (partial / MANIFEST).write_text(json.dumps(result.as_dict(), indent=1))
    partial.rename(dest)  # the landed folder appears whole or not at all
    return result


def _compare(result: LandingResult, last_applied: tuple[str, str] | None) -> LandingResult:
    """Mark an upload byte-for-byte equal to the last applied one (a refused pull never is)."""
    if last_applied and last_applied[1] == result.upload_sha256 and not result.disconnected:
        result.same_as_run = last_applied[0]
    return result


def _copy(
    remote: Remote, remote_path: str, names: list[str], listing: dict, dest: Path, uploaded_at: float
) -> LandingResult:
    partial = _partial(dest)
    files = {}
    for name in names:
        local = partial / name
        remote.retrieve_file(f"{remote_path.rstrip('/')}/{name}", str(local))
        size = local.stat().st_size
        if size != listing[name].st_size:
            shutil.rmtree(partial)
            raise UploadChanged(f"{name} changed size while it was copied ({listing[name].st_size} -> {size} bytes)")
        files[name] = {"size": size, "sha256": _sha256(local)}
    result = LandingResult(folder=str(dest), files=files, upload_sha256=upload_digest(files), uploaded_at=uploaded_at)
    return _publish(partial, dest, result)


def land_pulled(dest: Path, pull: Callable[[Path], bool], last_applied: tuple[str, str] | None = None) -> LandingResult:
    """Land what `pull(folder)` writes (an API's pages); `pull` returns False when the source refused us."""
    result = _landed(dest)  # a rerun replays what was pulled
    if result is None:
        partial = _partial(dest)
        connected = pull(partial)
        files = {
            str(p.relative_to(partial)): {"size": p.stat().st_size, "sha256": _sha256(p)}
            for p in sorted(partial.rglob("*"))
            if p.is_file()
        }
        result = LandingResult(
            folder=str(dest),
            files=files,
            upload_sha256=upload_digest(files),
            uploaded_at=time.time(),
            disconnected=not connected,
        )
        _publish(partial, dest, result)
    return _compare(result, last_applied)


class LocalFolder:
    """A folder on this machine seen as a remote: what `check --from` and tests without SFTP use."""

    def __init__(self, root: Path):
        self.root = root

    def list_directory_with_attr(self, path: str) -> list[Any]:
        from types import SimpleNamespace

        folder = self.root / path.lstrip("/")
        return [
            SimpleNamespace(
                filename=p.name,
                st_mode=p.stat().st_mode,
                st_size=p.stat().st_size,
                st_mtime=p.stat().st_mtime,
            )
            for p in sorted(folder.iterdir())
        ]

    def retrieve_file(self, remote_full_path: str, local_full_path: str) -> None:
        shutil.copyfile(self.root / remote_full_path.lstrip("/"), local_full_path)
