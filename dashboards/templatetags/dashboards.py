from django import template

register = template.Library()


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
