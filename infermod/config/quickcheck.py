"""A fast yes/no against the configuration's JSON Schema, so that jsonschema runs only for
files that have problems.

jsonschema costs a third of `validate`'s start-up to import and most of its time on large
files. A valid file (the common case) needs no message, only the verdict, so the schema is
compiled into plain closures for the keywords it uses. Whenever the verdict is not certain
(a float where an integer is expected, a non-JSON value from YAML, a keyword this module
does not know), `Unsure` sends the file to jsonschema, which also writes every message: the
messages are jsonschema's, always. The tests hold the two to the same verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from infermod.lazyre import lazy

Check = Callable[[Any], bool]
ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "default", "examples", "writeOnly"}
JSON_TYPES = (str, int, float, bool, type(None), dict, list)


class Unsure(Exception):
    """The quick check cannot tell; jsonschema decides."""


def compile_schema(schema: Mapping[str, Any]) -> Check | None:
    """A check that returns the schema's verdict or raises Unsure; None when the schema uses
    a keyword this module does not implement."""
    try:
        return _compile(schema)
    except KeyError:
        return None


def quick_valid(check: Check | None, instance: Any) -> bool:
    """True only when the instance is certainly valid."""
    if check is None:
        return False
    try:
        return check(instance)
    except Unsure:
        return False


def _compile(schema: Mapping[str, Any] | bool) -> Check:
    if isinstance(schema, bool):
        return lambda x: schema
    checks = [_keyword(name, value, schema) for name, value in schema.items() if name not in ANNOTATIONS]
    active = tuple(c for c in checks if c is not None)

    def check(x: Any) -> bool:  # plain loops: this runs for every value of a large file
        if not isinstance(x, JSON_TYPES):
            raise Unsure()
        for c in active:  # noqa: SIM110 (a loop is faster than all() over a generator)
            if not c(x):
                return False
        return True

    return check


def _keyword(name: str, value: Any, schema: Mapping[str, Any]) -> Check | None:
    make = _KEYWORDS.get(name)
    if make is None:
        raise KeyError(name)
    return make(name, value, schema)


def _pattern(_: str, value: Any, __: Mapping[str, Any]) -> Check:
    regex = lazy(value)  # compiled at its field's first value: most fields are absent from a file
    return lambda x: not isinstance(x, str) or regex.search(x) is not None


def _items(_: str, value: Any, __: Mapping[str, Any]) -> Check:
    item = _compile(value)
    return lambda x: not isinstance(x, list) or all(item(i) for i in x)


def _one_of(_: str, value: Any, __: Mapping[str, Any]) -> Check:
    subs = [_compile(s) for s in value]
    return lambda x: sum(1 for s in subs if s(x)) == 1


def _not(_: str, value: Any, __: Mapping[str, Any]) -> Check:
    sub = _compile(value)
    return lambda x: not sub(x)


def _bounds(name: str, value: Any, _: Mapping[str, Any]) -> Check:
    kind: Any = {"Length": str, "Items": list}.get(name[3:], (int, float))
    return _bound(kind, len if kind in (str, list) else (lambda x: x), value, name.startswith("min"))


def _object(name: str, value: Any, schema: Mapping[str, Any]) -> Check | None:
    if name == "required":
        return lambda x: not isinstance(x, dict) or all(k in x for k in value)
    if name == "properties":
        props = {k: _compile(v) for k, v in value.items()}

        def properties(x: Any) -> bool:
            if isinstance(x, dict):
                for k, v in x.items():
                    c = props.get(k) if isinstance(k, str) else None
                    if c is not None and not c(v):
                        return False
            return True

        return properties
    if name == "propertyNames":
        key = _compile(value)
        return lambda x: not isinstance(x, dict) or all(key(_str_key(k)) for k in x)
    if "patternProperties" in schema:
        raise KeyError("patternProperties")
    known = set(schema.get("properties", {}))
    if value is False:
        return lambda x: not isinstance(x, dict) or all(_str_key(k) in known for k in x)
    if value is True:
        return None
    extra = _compile(value)
    return lambda x: (
        not isinstance(x, dict) or all(extra(v) for k, v in x.items() if _str_key(k) not in known)
    )


def _str_key(key: Any) -> str:
    if not isinstance(key, str):
        raise Unsure()
    return key


def _type(value: Any) -> Check:
    names = value if isinstance(value, list) else [value]
    tests = [_TYPES[n] for n in names]
    return lambda x: any(t(x) for t in tests)


def _integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, float) and x.is_integer():
        raise Unsure()  # jsonschema counts 2.0 as an integer; let it say so
    return isinstance(x, int)


_TYPES: dict[str, Check] = {
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "number": lambda x: isinstance(x, int | float) and not isinstance(x, bool),
    "integer": _integer,
}


def _bound(kind: Any, measure: Callable[[Any], Any], limit: Any, lower: bool) -> Check:
    def check(x: Any) -> bool:
        if not isinstance(x, kind) or isinstance(x, bool):
            return True
        return bool(measure(x) >= limit) if lower else bool(measure(x) <= limit)

    return check


def _equal(x: Any, v: Any) -> bool:
    if isinstance(x, bool) or isinstance(v, bool):
        return type(x) is type(v) and x == v
    if isinstance(x, list | dict) or isinstance(v, list | dict):
        raise Unsure()
    numbers = isinstance(x, int | float) and isinstance(v, int | float)
    return bool(x == v) if type(x) is type(v) or numbers else False


def _unique(x: Any) -> bool:
    if not isinstance(x, list):
        return True
    if not all(isinstance(i, str) for i in x):
        raise Unsure()
    return len(set(x)) == len(x)


_KEYWORDS: dict[str, Callable[[str, Any, Mapping[str, Any]], Check | None]] = {
    "type": lambda _, v, __: _type(v),
    "const": lambda _, v, __: lambda x: _equal(x, v),
    "enum": lambda _, v, __: lambda x: any(_equal(x, e) for e in v),
    "pattern": _pattern,
    "minLength": _bounds,
    "maxLength": _bounds,
    "minItems": _bounds,
    "maxItems": _bounds,
    "minimum": _bounds,
    "maximum": _bounds,
    "properties": _object,
    "additionalProperties": _object,
    "required": _object,
    "propertyNames": _object,
    "items": _items,
    "uniqueItems": lambda _, v, __: _unique if v else None,
    "oneOf": _one_of,
    "not": _not,
}
