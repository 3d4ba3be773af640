"""YAML read with a size cap and an alias-expansion cap.

``yaml.safe_load`` executes no code but expands aliases: a "billion laughs" file of a few
hundred bytes (nested anchors, each referenced ten times) becomes billions of nodes and
hangs the process. The document's node graph is composed first (small: aliases are
shared nodes), its expanded size is counted over that graph with memoisation, and only a
document under the cap is constructed.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 1 << 20  # a task file is a few hundred bytes
MAX_NODES = 100_000  # nodes after alias expansion


class YamlTooLarge(ValueError):
    """The document exceeds :data:`MAX_BYTES` or expands past :data:`MAX_NODES`."""


def _expanded_size(node: yaml.Node, memo: dict[int, int], active: set[int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        raise YamlTooLarge("a recursive alias (a node that contains itself)")
    active.add(key)
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo, active) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            size += _expanded_size(k, memo, active) + _expanded_size(v, memo, active)
            if size > MAX_NODES:
                break
    active.discard(key)
    memo[key] = size
    return size


def load(text: str) -> Any:
    """``yaml.safe_load(text)``, refusing oversized or alias-bomb documents."""
    if len(text.encode()) > MAX_BYTES:
        raise YamlTooLarge(f"larger than {MAX_BYTES} bytes")
    try:
        return _load(text)
    except RecursionError:  # the composer and the size count recurse per nesting level
        raise YamlTooLarge("nested too deeply") from None


def _load(text: str) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {}, set())
        if size > MAX_NODES:
            raise YamlTooLarge(
                f"expands to more than {MAX_NODES} nodes (aliases of aliases: a YAML bomb?)"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()
