"""Safe YAML loading that remembers where every key and list item was written, so that
validation can name the line of the offending key or value.

Dates are *not* turned into `datetime` objects by the loader: PyYAML would raise a bare
ValueError on 2021-02-30 and lose the line. They stay strings and the reader validates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Path_ = tuple[Any, ...]  # a path into the document: keys and list indexes


# libyaml's parser (when PyYAML was built with it) is ~10× faster than the pure-Python one
# and gives nodes the same line marks: reading 10,000 articles is 60 s pure-Python, 6 s here.
_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PlainLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader without the implicit timestamp type."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class LocatedYaml:
    """A loaded YAML document plus the 1-based line of every key / item, by path."""

    data: Any
    lines: dict[Path_, int]
    duplicates: list[tuple[Path_, int]]  # keys written twice in one mapping: (path, line)

    def line(self, *path: Any, default: int = 0) -> int:
        """Line of the value at `path`, falling back to its nearest parent."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), default)


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


def load_located(text: str, first_line: int = 1) -> LocatedYaml:
    """Parse one YAML document; line numbers are offset so that `first_line` is line 1 of
    `text` in the editor's file. Raises YamlSyntaxError with the line of the mistake."""
    loader = _PlainLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path_, int] = {}
        duplicates: list[tuple[Path_, int]] = []
        data = _convert(loader, node, (), lines, duplicates, first_line - 1) if node else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + first_line) if mark else first_line
        raise YamlSyntaxError(_describe(error), line) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), first_line) from None
    finally:
        loader.dispose()
    return LocatedYaml(data, lines, duplicates)


def _describe(error: yaml.MarkedYAMLError) -> str:
    problem = (error.problem or "").strip()
    context = (error.context or "").strip()
    text = f"{context}: {problem}" if context and problem else problem or context
    return f"the YAML cannot be read ({text}); check quotes, colons and indentation"


# A plain string scalar is its node's value (what SafeConstructor.construct_yaml_str
# returns); taking it directly skips the constructor's bookkeeping: a front matter is
# mostly strings, and this is ~30 % of its loading time.
_STR_TAG = "tag:yaml.org,2002:str"


def _value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value
    return loader.construct_object(node, deep=True)


def _convert(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: Path_,
    lines: dict[Path_, int],
    duplicates: list[tuple[Path_, int]],
    offset: int,
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1 + offset)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _value(loader, key_node)
            if not isinstance(key, str | int | float | bool):
                key = str(key)
            child = (*path, key)
            key_line = key_node.start_mark.line + 1 + offset
            if key in result:
                duplicates.append((child, key_line))
                continue
            lines[child] = key_line
            result[key] = _convert(loader, value_node, child, lines, duplicates, offset)
            lines[child] = key_line  # the key's line, even when the value starts lower
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(loader, item, (*path, index), lines, duplicates, offset)
            for index, item in enumerate(node.value)
        ]
    return _value(loader, node)
