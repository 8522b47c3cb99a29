"""Policy parameters as data (P-01, P-02): dated YAML files under params/<region code>/.

Each file maps parameter names to a declaration: `description`, `unit`, optional `reference`
(document + article) and `values`, a list of `{from, to?, value, reference?, default?, note?}`.
A value for a household is the one of its most specific region in force on the as-of date.
Loading validates the files; `validate_parameters` adds the cross-checks of the rule book.

A folder with a `layer.yaml` is a *named layer*: the figures of one document whose
jurisdiction is configuration (the Inner Mongolia city's measures, whose city name is
illegible). Its `region:` says where its parameters sit; `JIUZHU_PARAM_LAYERS=name=code,…`
moves a layer without editing the file (P-01).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jiuzhu.rules.errors import ParameterError
from jiuzhu.rules.money import parse_yuan, ratio_to_units
from jiuzhu.rules.regions import NATION, RegionTable, default_regions

if TYPE_CHECKING:
    import yaml

ParamValue = Decimal | int | bool | str | tuple[str, ...] | tuple[Decimal, ...]

MONEY_UNITS = frozenset({"yuan_per_person_month", "yuan_per_month", "yuan_per_person_year", "yuan"})
INT_UNITS = frozenset({"months", "years", "count", "grade", "category", "days", "working_days"})
UNITS = MONEY_UNITS | INT_UNITS | {"ratio", "bool", "enum", "enum_list", "ratio_list"}
ASSUMED = "assumed"
PARAM_KEYS = frozenset({"description", "unit", "reference", "values", "choices"})
VALUE_KEYS = frozenset({"from", "to", "value", "reference", "default", "note", "unverified"})
LAYER_FILE = "layer.yaml"
LAYER_KEYS = frozenset({"region", "document", "default", "note"})
LAYERS_ENV = "JIUZHU_PARAM_LAYERS"


@dataclass(frozen=True, slots=True)
class Reference:
    """Where a figure comes from: the document and its article (or table)."""

    document: str
    article: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"document": self.document}
        if self.article:
            out["article"] = self.article
        if self.url:
            out["url"] = self.url
        return out


@dataclass(frozen=True, slots=True)
class Layer:
    """A named folder of one document's parameters attached to a configurable region (P-01)."""

    name: str
    region: str
    document: str
    assumed: bool = False
    note: str | None = None
    configured_by: str = LAYER_FILE  # or the environment variable that moved it

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "region": self.region,
            "document": self.document,
            "configured_by": self.configured_by,
        }
        if self.assumed:
            out["default"] = ASSUMED
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class DatedValue:
    """One value of a parameter with its period of validity (end inclusive, None = open)."""

    start: dt.date
    end: dt.date | None
    value: ParamValue
    reference: Reference
    assumed: bool = False
    unverified: bool = False
    note: str | None = None

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter as declared for one region in one file."""

    name: str
    region: str
    file: str
    description: str
    unit: str
    values: tuple[DatedValue, ...]
    choices: tuple[str, ...] = ()
    layer: Layer | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """The value in force for a region on a date, with where it was found."""

    name: str
    unit: str
    description: str
    region: str
    file: str
    dated: DatedValue
    layer: Layer | None = None

    @property
    def value(self) -> ParamValue:
        return self.dated.value

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "value": render_value(self.dated.value),
            "unit": self.unit,
            "region": self.region,
            "from": self.dated.start.isoformat(),
            "to": self.dated.end.isoformat() if self.dated.end else None,
            "source": self.dated.reference.as_dict(),
            "file": self.file,
        }
        if self.dated.assumed:
            out["default"] = ASSUMED
        if self.dated.unverified:
            out["unverified"] = True
        if self.dated.note:
            out["note"] = self.dated.note
        if self.layer is not None:
            out["layer"] = self.layer.as_dict()
        return out


def render_value(value: ParamValue) -> Any:
    """A parameter value as JSON: Decimals as strings, so no figure passes through float."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [render_value(v) for v in value]
    return value


@cache
def _decimal_loader() -> type[yaml.SafeLoader]:
    """A YAML loader that reads non-integer numbers as Decimal, never float: libyaml's parser
    when PyYAML has it (ten times faster), else the pure-Python one, the same constructors
    either way. Built when files are read: a process that finds the compiled cache current
    (paramcache.py) never imports PyYAML."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class DecimalLoader(base):  # type: ignore[valid-type,misc]
        pass

    def decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
        text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
        return Decimal(text.replace("_", ""))

    DecimalLoader.add_constructor("tag:yaml.org,2002:float", decimal)
    return DecimalLoader


@dataclass
class ParameterSet:
    """Every parameter of every region, and the lookup along the region chain."""

    regions: RegionTable
    by_name: dict[str, dict[str, Parameter]] = field(default_factory=dict)
    root: str = ""
    layers: dict[str, Layer] = field(default_factory=dict)

    def add(self, param: Parameter) -> None:
        per_region = self.by_name.setdefault(param.name, {})
        if param.region in per_region:
            other = per_region[param.region].file
            raise ParameterError(
                f"{param.file}: parameter {param.name!r} for region {param.region} "
                f"is also declared in {other}"
            )
        per_region[param.region] = param

    def names(self) -> list[str]:
        return sorted(self.by_name)

    def resolve(self, name: str, region: str, as_of: dt.date) -> Resolved:
        """The value of `name` in force on `as_of` for the county-level `region` (P-01, P-02)."""
        per_region = self.by_name.get(name)
        if per_region is None:
            raise ParameterError(f"no parameter named {name!r} is declared in any file")
        earliest: dt.date | None = None
        for code in self.regions.chain(region):
            param = per_region.get(code)
            if param is None:
                continue
            for dated in param.values:
                if dated.in_force(as_of):
                    return Resolved(
                        name, param.unit, param.description, code, param.file, dated, param.layer
                    )
                earliest = dated.start if earliest is None else min(earliest, dated.start)
        hint = f" (earliest value from {earliest.isoformat()})" if earliest else ""
        raise ParameterError(
            f"no value of parameter {name!r} is in force for region {region} "
            f"on {as_of.isoformat()}{hint}"
        )

    def breakpoints(self, names: list[str], region: str) -> list[dt.date]:
        """Every date on which one of `names` changes somewhere on the region's chain."""
        days: set[dt.date] = set()
        chain = self.regions.chain(region)
        for name in names:
            for code in chain:
                param = self.by_name.get(name, {}).get(code)
                if param is None:
                    continue
                for dated in param.values:
                    days.add(dated.start)
                    if dated.end is not None:
                        days.add(dated.end + dt.timedelta(days=1))
        return sorted(days)

    def declared_regions(self) -> list[str]:
        return sorted({code for per in self.by_name.values() for code in per})


def _err(file: str, name: str | None, message: str) -> ParameterError:
    where = f"{file}: parameter {name!r}: " if name else f"{file}: "
    return ParameterError(where + message)


def _reference(raw: Any, file: str, name: str) -> Reference | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return Reference(document=raw)
    if not isinstance(raw, dict) or not raw.get("document"):
        raise _err(file, name, f"reference must have a 'document' (got {raw!r})")
    return Reference(
        document=str(raw["document"]),
        article=str(raw["article"]) if raw.get("article") is not None else None,
        url=str(raw["url"]) if raw.get("url") else None,
    )


def _date(raw: Any, file: str, name: str, key: str) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise _err(file, name, f"'{key}' must be a date YYYY-MM-DD (got {raw!r})")


def _typed(raw: Any, unit: str, choices: tuple[str, ...], file: str, name: str) -> ParamValue:
    """Check a raw YAML value against its unit and return it in the engine's types."""
    bad = f"value {raw!r} does not fit unit {unit!r}"
    if unit in MONEY_UNITS:
        if isinstance(raw, bool):
            raise _err(file, name, bad)
        try:
            amount = parse_yuan(raw)
        except ValueError as exc:
            raise _err(file, name, f"{bad}: {exc}") from None
        if amount < 0:
            raise _err(file, name, f"an amount must not be negative (got {raw})")
        return amount.quantize(Decimal("0.01"))
    if unit in INT_UNITS:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise _err(file, name, f"{bad}: a whole number ≥ 0 is expected")
        return raw
    if unit == "ratio":
        if isinstance(raw, bool) or not isinstance(raw, int | Decimal) or raw < 0:
            raise _err(file, name, f"{bad}: a number ≥ 0 is expected")
        ratio = Decimal(raw)
        try:
            ratio_to_units(ratio)
        except ValueError as exc:
            raise _err(file, name, str(exc)) from None
        return ratio
    if unit == "bool":
        if not isinstance(raw, bool):
            raise _err(file, name, f"{bad}: true or false is expected")
        return raw
    if unit == "enum":
        if raw not in choices:
            raise _err(file, name, f"value {raw!r} is not one of {list(choices)}")
        return str(raw)
    if unit == "enum_list":
        if not isinstance(raw, list) or any(v not in choices for v in raw):
            raise _err(file, name, f"value {raw!r} must be a list of {list(choices)}")
        return tuple(str(v) for v in raw)
    if unit == "ratio_list":
        if not isinstance(raw, list):
            raise _err(file, name, f"{bad}: a list of numbers is expected")
        ratios: list[Decimal] = []
        for item in raw:
            typed = _typed(item, "ratio", choices, file, name)
            assert isinstance(typed, Decimal)
            ratios.append(typed)
        return tuple(ratios)
    raise _err(file, name, f"unknown unit {unit!r}; known units: {sorted(UNITS)}")


def _parameter(
    name: str, raw: Any, region: str, file: str, layer: Layer | None = None
) -> Parameter:
    if not isinstance(raw, dict):
        raise _err(file, name, "must be a mapping with description, unit and values")
    for key in ("description", "unit", "values"):
        if key not in raw:
            raise _err(file, name, f"missing '{key}'")
    unknown = set(raw) - PARAM_KEYS
    if unknown:
        raise _err(file, name, f"unknown keys {sorted(unknown)}; allowed: {sorted(PARAM_KEYS)}")
    unit = str(raw["unit"])
    if unit not in UNITS:
        raise _err(file, name, f"unknown unit {unit!r}; known units: {sorted(UNITS)}")
    choices = tuple(str(c) for c in raw.get("choices") or ())
    if unit in ("enum", "enum_list") and not choices:
        raise _err(file, name, f"unit {unit!r} needs a 'choices' list")
    default_ref = _reference(raw.get("reference"), file, name)
    entries = raw["values"]
    if not isinstance(entries, list) or not entries:
        raise _err(file, name, "'values' must be a non-empty list of {from, value}")
    values: list[DatedValue] = []
    for entry in entries:
        if not isinstance(entry, dict) or "from" not in entry or "value" not in entry:
            raise _err(file, name, f"each value needs 'from' and 'value' (got {entry!r})")
        unknown = set(entry) - VALUE_KEYS
        if unknown:
            raise _err(file, name, f"value {entry!r} has unknown keys {sorted(unknown)}")
        start = _date(entry["from"], file, name, "from")
        end = _date(entry["to"], file, name, "to") if entry.get("to") is not None else None
        if end is not None and end < start:
            raise _err(file, name, f"value from {start} ends before it starts ({end})")
        ref = _reference(entry.get("reference"), file, name) or default_ref
        if ref is None:
            raise _err(file, name, f"value from {start} has no source: give a 'reference'")
        default = entry.get("default")
        if default not in (None, ASSUMED):
            raise _err(file, name, f"'default' may only be '{ASSUMED}' (got {default!r})")
        values.append(
            DatedValue(
                start=start,
                end=end,
                value=_typed(entry["value"], unit, choices, file, name),
                reference=ref,
                assumed=default == ASSUMED,
                unverified=bool(entry.get("unverified", False)),
                note=str(entry["note"]) if entry.get("note") else None,
            )
        )
    values.sort(key=lambda v: v.start)
    values = _close_periods(values, file, name)
    return Parameter(
        name, region, file, str(raw["description"]), unit, tuple(values), choices, layer
    )


def _close_periods(values: list[DatedValue], file: str, name: str) -> list[DatedValue]:
    """Give each value an end (the day before the next starts) and refuse overlaps."""
    out: list[DatedValue] = []
    for current, following in zip(values, [*values[1:], None], strict=True):
        if following is not None:
            if following.start == current.start:
                raise _err(file, name, f"two values start on {current.start}")
            last_day = following.start - dt.timedelta(days=1)
            if current.end is not None and current.end > last_day:
                raise _err(
                    file,
                    name,
                    f"dates overlap: the value from {current.start} runs to {current.end}, "
                    f"after the next value starts on {following.start}",
                )
            end = current.end if current.end is not None else last_day
            current = DatedValue(
                current.start,
                end,
                current.value,
                current.reference,
                current.assumed,
                current.unverified,
                current.note,
            )
        out.append(current)
    return out


def layer_overrides(text: str | None) -> dict[str, str]:
    """`name=code,name=code` (JIUZHU_PARAM_LAYERS) as a mapping; empty when unset."""
    out: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, sep, code = item.partition("=")
        if not sep or not name.strip() or not code.strip():
            raise ParameterError(f"{LAYERS_ENV}: {item.strip()!r} is not name=region-code")
        out[name.strip()] = code.strip()
    return out


def _layer(folder: Path, regions: RegionTable, overrides: Mapping[str, str]) -> Layer:
    """Read a named layer's layer.yaml: where it is attached, by which document."""
    import yaml

    rel = f"{folder.name}/{LAYER_FILE}"
    if folder.name == NATION or folder.name in regions:
        raise ParameterError(f"{rel}: a named layer's folder must not be named like a region code")
    try:
        raw = yaml.safe_load((folder / LAYER_FILE).read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(f"{rel}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not raw.get("region") or not raw.get("document"):
        raise ParameterError(f"{rel}: must give the 'region' it is attached to and its 'document'")
    unknown = set(raw) - LAYER_KEYS
    if unknown:
        raise ParameterError(
            f"{rel}: unknown keys {sorted(unknown)}; allowed: {sorted(LAYER_KEYS)}"
        )
    default = raw.get("default")
    if default not in (None, ASSUMED):
        raise ParameterError(f"{rel}: 'default' may only be '{ASSUMED}' (got {default!r})")
    region, configured_by, assumed = str(raw["region"]), LAYER_FILE, default == ASSUMED
    if folder.name in overrides:
        region, configured_by, assumed = overrides[folder.name], LAYERS_ENV, False
    if region == NATION or region not in regions:
        raise ParameterError(
            f"{rel if configured_by == LAYER_FILE else LAYERS_ENV}: layer {folder.name!r} is "
            f"attached to {region!r}, which is not a region code of the GB/T 2260 data"
        )
    note = str(raw["note"]) if raw.get("note") and configured_by == LAYER_FILE else None
    return Layer(folder.name, region, str(raw["document"]), assumed, note, configured_by)


def load_parameters(
    root: Path | None = None,
    regions: RegionTable | None = None,
    layers: Mapping[str, str] | None = None,
) -> ParameterSet:
    """Read and check every YAML file under `root` (default: the packaged params/).

    `layers` attaches named layers elsewhere than their layer.yaml says (default: the
    JIUZHU_PARAM_LAYERS environment variable)."""
    import yaml

    regions = regions or default_regions()
    base = root if root is not None else _packaged()
    if not base.is_dir():
        raise ParameterError(f"{base}: parameter folder not found")
    overrides = dict(layers) if layers is not None else layer_overrides(os.environ.get(LAYERS_ENV))
    pset = ParameterSet(regions=regions, root=str(base))
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        layer = _layer(folder, regions, overrides) if (folder / LAYER_FILE).is_file() else None
        if layer is not None:
            pset.layers[layer.name] = layer
            code = layer.region
        else:
            code = folder.name
            if code != NATION and code not in regions:
                raise ParameterError(
                    f"{folder}: folder name {code!r} is not a known region code "
                    f"(nor a named layer with a {LAYER_FILE})"
                )
        for path in sorted(folder.glob("*.yaml")):
            if layer is not None and path.name == LAYER_FILE:
                continue
            rel = f"{folder.name}/{path.name}"
            try:
                doc = yaml.load(path.read_text("utf-8"), Loader=_decimal_loader())
            except yaml.YAMLError as exc:
                raise ParameterError(f"{rel}: not valid YAML: {exc}") from None
            if not isinstance(doc, dict):
                raise ParameterError(f"{rel}: must map parameter names to declarations")
            for name, raw in doc.items():
                pset.add(_parameter(str(name), raw, code, rel, layer))
    unknown = sorted(set(overrides) - set(pset.layers))
    if unknown:
        raise ParameterError(
            f"{LAYERS_ENV}: no named layer {unknown[0]!r} (a folder with a {LAYER_FILE}); "
            f"known layers: {sorted(pset.layers)}"
        )
    return pset


@cache
def default_parameters() -> ParameterSet:
    """The packaged parameters, loaded and cross-checked once per process, or read from the
    compiled cache when no file changed since (paramcache.py)."""
    from jiuzhu.rules.paramcache import cached_parameters

    def load() -> ParameterSet:
        from jiuzhu.rules.validation import validate_parameters

        pset = load_parameters()
        validate_parameters(pset)
        return pset

    return cached_parameters(_packaged(), load)


def _packaged() -> Path:
    return Path(str(resources.files("jiuzhu.rules") / "params"))
