"""``{% fragments items slot %}``: render what other apps contribute to a page (``hooks.Fragment``)."""

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def fragments(context, items, slot=""):
    out = []
    for fragment in items or ():
        if fragment.slot != slot:
            continue
        with context.push(**fragment.context):
            out.append(get_template(fragment.template).template.render(context))
    return mark_safe("".join(out))  # noqa: S308 - each part is a rendered, autoescaped template
