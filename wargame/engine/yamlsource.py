"""YAML text -> plain data, remembering the line of every key and list item.

PyYAML's own constructor loses line numbers and lets a duplicate key silently win, so the
composed node tree is walked here instead: the result is plain data plus an index from
each path (a tuple of keys and list positions) to the line it was written on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[Any, ...]

# Aliases may share one node many times; expanding them is capped so that a "billion laughs"
# document is refused instead of exhausting memory or time.
MAX_EXPANDED_NODES = 200_000
MERGE_TAG = "tag:yaml.org,2002:merge"
# libyaml, when PyYAML was built with it (its wheels are), composes ten times faster: a
# scenario pack loads in a few hundredths of a second instead of a tenth or more. Its
# syntax errors say less ("did not find expected ','" for "expected ',', but got ':'"),
# so a text it refuses is composed again by PyYAML's own loader for the message.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Located:
    data: Any
    lines: dict[Path, int]
    problems: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, loc: Path) -> int:
        """The line of the deepest part of `loc` that exists; unknown steps are skipped."""
        path: Path = ()
        line = self.lines.get((), 1)
        for step in loc:
            candidate = (*path, step)
            if candidate in self.lines:
                path = candidate
                line = self.lines[candidate]
        return line


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_yaml(text: str) -> Located:
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(line, _yaml_message(exc)) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, str(exc)) from exc
    located = Located(data=None, lines={(): 1})
    if node is None:
        return located
    builder = _Builder(located)
    located.data = builder.build(node, ())
    return located


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=FAST_LOADER)
    except (yaml.YAMLError, UnicodeEncodeError):  # libyaml reads UTF-8: no lone surrogates
        return yaml.compose(text, Loader=yaml.SafeLoader)


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    context, start, end = exc.context, exc.context_mark, exc.problem_mark
    if context and start and end and start.line != end.line:
        context += f" (from line {start.line + 1})"
    return "; ".join(part for part in (context, exc.problem) if part) or "invalid YAML"


class _TooLarge(Exception):
    pass


class _Builder:
    def __init__(self, located: Located) -> None:
        self.located = located
        self.loader = yaml.SafeLoader("")
        self.count = 0
        self.active: set[int] = set()

    def build(self, node: yaml.Node, path: Path) -> Any:
        try:
            return self._node(node, path)
        except _TooLarge:
            self.located.problems.append(
                (
                    node.start_mark.line + 1,
                    "the document refers to itself, or is too large once its aliases expand",
                )
            )
            return None

    def _node(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_EXPANDED_NODES or id(node) in self.active:
            raise _TooLarge
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node, path)
            return self._mapping(node, path)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            self._problem(node, f"cannot read the value {node.value!r}: {exc}")
            return node.value

    def _sequence(self, node: yaml.SequenceNode, path: Path) -> list[Any]:
        items = []
        for index, child in enumerate(node.value):
            self.located.lines[(*path, index)] = child.start_mark.line + 1
            items.append(self._node(child, (*path, index)))
        return items

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged.update(self._merge(value_node, path))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "a mapping key must be plain text")
                continue
            key = self._scalar(key_node)
            if not _hashable(key):
                key = key_node.value
            if key in result:
                self._problem(key_node, f"duplicate key {key!r}")
            self.located.lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = self._node(value_node, (*path, key))
        return {**{k: v for k, v in merged.items() if k not in result}, **result}

    def _merge(self, node: yaml.Node, path: Path) -> dict[Any, Any]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[Any, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                self._problem(source, "a merge key (<<) needs a mapping")
                continue
            merged.update(self._mapping(source, path))
        return merged

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.located.problems.append((node.start_mark.line + 1, message))


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
