"""The YAML node tree, light: PyYAML's events composed into nodes of five slots.

PyYAML's own nodes carry a start and an end mark object each and an attribute dictionary:
about 5 KB a deployment of a large configuration, all alive until the walk ends, the load's
peak memory (issue 25). These keep the tag, the value, the style and the 0-based line and
column of the start; the composition is PyYAML's (yaml/composer.py), errors included.

A scalar of up to SHARED_LENGTH characters is interned: a large configuration writes the same
keys and values (region, model, node type, true) in every deployment, and the parser makes a
string of each; one copy of each is about a quarter of the load's peak memory less (issue 25).
"""

from __future__ import annotations

from sys import intern
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

SHARED_LENGTH = 64  # longer scalars are rarely repeated (a secret, a description)


class Node:
    __slots__ = ("column", "line", "style", "tag", "value")

    def __init__(self, tag: str, value: Any, line: int, column: int, style: str | None = None) -> None:
        self.tag = tag
        self.value = value
        self.line = line
        self.column = column
        self.style = style

    @property
    def start_mark(self) -> Node:
        """Where the node starts (`line`, `column`, 0-based), as PyYAML's nodes say it."""
        return self


class ScalarNode(Node):
    __slots__ = ()

    def yaml_node(self) -> yaml.ScalarNode:
        """PyYAML's node, for its constructor (explicit tags, timestamps, odd numbers)."""
        return yaml.ScalarNode(self.tag, self.value, style=self.style)


class SequenceNode(Node):
    __slots__ = ()
    value: list[Node]


class MappingNode(Node):
    __slots__ = ()
    value: list[tuple[Node, Node]]


def compose(text: str, loader: type[yaml.SafeLoader]) -> Node | None:
    """The document's root node (None for an empty stream), as `yaml.compose` makes it."""
    parser = loader(text)
    try:
        return _Composer(parser).single()
    finally:
        parser.dispose()


class _Composer:
    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.anchors: dict[str, Node] = {}
        self.marks: dict[str, Any] = {}  # each anchor's mark, for the duplicate-anchor error

    def single(self) -> Node | None:
        parser = self.parser
        parser.get_event()  # stream start
        document = None
        start = None
        if not isinstance(parser.peek_event(), StreamEndEvent):
            start = parser.get_event().start_mark  # document start
            document = self.node()
            parser.get_event()  # document end
        if not isinstance(parser.peek_event(), StreamEndEvent):
            event = parser.get_event()
            raise ComposerError(
                "expected a single document in the stream",
                start,
                "but found another document",
                event.start_mark,
            )
        parser.get_event()  # stream end
        return document

    def node(self) -> Node:
        parser = self.parser
        event: Any = parser.get_event()
        anchor: str | None = event.anchor
        mark: Any = event.start_mark
        if isinstance(event, AliasEvent):
            found = self.anchors.get(str(anchor))
            if found is None:
                raise ComposerError(None, None, f"found undefined alias {anchor!r}", mark)
            return found
        if anchor is not None and anchor in self.anchors:
            raise ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self.marks[anchor],
                "second occurrence",
                mark,
            )
        tag = event.tag
        node: Node
        if isinstance(event, ScalarEvent):
            if tag is None or tag == "!":
                tag = parser.resolve(yaml.ScalarNode, event.value, event.implicit)
            value = event.value
            if len(value) <= SHARED_LENGTH:
                value = intern(value)
            node = ScalarNode(tag, value, mark.line, mark.column, event.style)
            self._anchor(anchor, node, mark)
            return node
        if isinstance(event, SequenceStartEvent):
            if tag is None or tag == "!":
                tag = parser.resolve(yaml.SequenceNode, None, event.implicit)
            items: list[Node] = []
            node = SequenceNode(tag, items, mark.line, mark.column)
            self._anchor(anchor, node, mark)
            while not isinstance(parser.peek_event(), SequenceEndEvent):
                items.append(self.node())
            parser.get_event()
            return node
        if isinstance(event, MappingStartEvent):
            if tag is None or tag == "!":
                tag = parser.resolve(yaml.MappingNode, None, event.implicit)
            pairs: list[tuple[Node, Node]] = []
            node = MappingNode(tag, pairs, mark.line, mark.column)
            self._anchor(anchor, node, mark)
            while not isinstance(parser.peek_event(), MappingEndEvent):
                key = self.node()
                pairs.append((key, self.node()))
            parser.get_event()
            return node
        raise ComposerError(None, None, f"unexpected {type(event).__name__}", mark)

    def _anchor(self, anchor: str | None, node: Node, mark: Any) -> None:
        if anchor is not None:
            self.anchors[anchor] = node
            self.marks[anchor] = mark
