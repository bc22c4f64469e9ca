"""Small lookup filters (registered as builtins)."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """{{ labels|get_item:code }} → the label of a code (the code itself if unknown)."""
    if mapping is None:
        return key
    return mapping.get(key, key)
