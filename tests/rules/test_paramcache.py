"""The compiled parameter cache: the same set as loading, never stale, ignored when unusable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jiuzhu.rules.paramcache import cached_parameters
from jiuzhu.rules.params import ParameterSet, load_parameters

PACKAGED = Path(__file__).resolve().parents[2] / "src" / "jiuzhu" / "rules" / "params"


class Loader:
    """load_parameters for `root`, counting its calls."""

    def __init__(self, root: Path) -> None:
        self.root, self.calls = root, 0

    def __call__(self) -> ParameterSet:
        self.calls += 1
        return load_parameters(self.root)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JIUZHU_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(PACKAGED, tmp_path / "params")
    return tmp_path / "params"


def test_the_cache_serves_the_loaded_set_until_a_file_changes(root: Path) -> None:
    load = Loader(root)
    first = cached_parameters(root, load)
    second = cached_parameters(root, load)
    assert load.calls == 1
    assert second.names() == first.names() and second.by_name == first.by_name
    edited = next(root.rglob("*.yaml"))
    edited.write_text(edited.read_text("utf-8") + "\n# edited\n", "utf-8")
    cached_parameters(root, load)
    assert load.calls == 2


def test_a_cache_others_could_write_is_not_read(root: Path, tmp_path: Path) -> None:
    load = Loader(root)
    cached_parameters(root, load)
    for path in (tmp_path / "cache").glob("params-*.pickle"):
        path.chmod(0o666)
    cached_parameters(root, load)
    assert load.calls == 2


def test_an_unwritable_cache_is_ignored(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", "utf-8")
    monkeypatch.setenv("JIUZHU_CACHE_DIR", str(blocked))
    load = Loader(root)
    assert cached_parameters(root, load).names() == cached_parameters(root, load).names()
    assert load.calls == 2


def test_moving_a_layer_by_the_environment_is_a_different_cache_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """P-01: JIUZHU_PARAM_LAYERS moves a named layer; a cached set of the old place must not
    be served."""
    from jiuzhu.rules.paramcache import cache_key
    from jiuzhu.rules.params import _packaged

    root = _packaged()
    monkeypatch.delenv("JIUZHU_PARAM_LAYERS", raising=False)
    before = cache_key(root)
    monkeypatch.setenv("JIUZHU_PARAM_LAYERS", "im-city-2021=150200")
    assert cache_key(root) != before
