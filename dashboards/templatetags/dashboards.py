from django import template
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

register = template.Library()


def _cell(value):
    """A value as ``{{ value }}`` shows it: in the current time zone, localised, escaped."""
    return localize(template_localtime(value))


@register.simple_tag
def table_rows(rows, width):
    """A dashboard table's body rows, the first cell of each a row header. Written here rather than
    by template loops: the dashboard's tables hold hundreds of cells."""
    if not rows:
        return format_html('<tr><td colspan="{}" class="empty">{}</td></tr>', width, _("Nothing in this period."))
    return format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html('<th scope="row">{}</th>', _cell(first))
                + format_html_join("", "<td>{}</td>", ((_cell(cell),) for cell in rest)),
            )
            for first, *rest in rows
        ),
    )


@register.filter
def duration(value):
    """A timedelta as days, hours and minutes (e.g. 1 d 3 h 05 min)."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days} d " if days else "") + f"{hours} h {mins:02d} min"


@register.inclusion_tag("dashboards/_tables.html", takes_context=True)
def tables(context, *keys):
    from dashboards.selectors import DEFINITIONS
    from dashboards.views import _tables

    all_tables = context.get("_all_tables")
    if all_tables is None:
        all_tables = _tables(context.flatten())
        context.dicts[0]["_all_tables"] = all_tables
    shown = [(k, *all_tables[k], DEFINITIONS.get(k, "")) for k in keys if k in all_tables]
    return {"shown": shown, "query": context.get("query", "")}
