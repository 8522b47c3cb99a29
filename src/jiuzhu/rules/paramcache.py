"""A compiled cache of the packaged parameter set: loaded and cross-checked once, then read
back in a few milliseconds by every new process (`jiuzhu evaluate` of one household).

The cache is a pickle keyed by the path, size and modification time of every parameter file,
of the regions data and of the modules that define and check the parameters, so an edited
file is never served stale. It lives in `$JIUZHU_CACHE_DIR` (empty: no cache), else
`$XDG_CACHE_HOME/jiuzhu` or `~/.cache/jiuzhu`; a cache that cannot be read or written is
ignored. Only a file owned by the user and writable by nobody else is trusted (a pickle runs
code when read), and it is written whole or not at all.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from jiuzhu.rules.params import ParameterSet

FORMAT = "1"
_SOURCES = ("params.py", "validation.py", "regions.py", "paramcache.py")


def cache_dir() -> Path | None:
    configured = os.environ.get("JIUZHU_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jiuzhu"


def cache_key(root: Path) -> str:
    """A hash of what the loaded set depends on: every file's path, size and mtime."""
    here = Path(__file__).parent
    files = sorted(root.rglob("*.yaml")) + sorted((here / "data").glob("*"))
    files += [here / name for name in _SOURCES]
    # the layers' regions may be moved by the environment (params.LAYERS_ENV): part of the key
    layers = os.environ.get("JIUZHU_PARAM_LAYERS", "")
    digest = hashlib.sha256(f"{FORMAT}:{sys.version}:{root}:{layers}".encode())
    for path in files:
        info = path.stat()
        digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def cached_parameters(root: Path, load: Callable[[], ParameterSet]) -> ParameterSet:
    """The parameter set from the cache when it is current, else `load()` (then cached)."""
    folder = cache_dir()
    try:
        path = folder / f"params-{cache_key(root)}.pickle" if folder else None
    except OSError:
        path = None
    if path is not None:
        found = _read(path)
        if found is not None:
            return found
    pset = load()
    if path is not None:
        _write(path, pset)
    return pset


def _read(path: Path) -> ParameterSet | None:
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            owner = getattr(os, "getuid", lambda: info.st_uid)()
            if info.st_uid != owner or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return None
            found = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return found if isinstance(found, ParameterSet) else None


def _write(path: Path, pset: ParameterSet) -> None:
    """Write the cache atomically (mkstemp gives mode 0600) and drop the stale ones."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".params-")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(pset, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        temporary = None
        for stale in path.parent.glob("params-*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        return
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
