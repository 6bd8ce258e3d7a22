from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }}: a dict lookup with a variable key (None when missing)."""
    if not hasattr(mapping, "get"):
        return None
    return mapping.get(key)
