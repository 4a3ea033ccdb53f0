"""Role navigation. Apps register ``NavItem`` entries under ``hooks.NAVIGATION`` in their ``hooks.py``."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from accounts import hooks


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple | None  # None: every signed-in user
    order: int = 50
    police_only: bool = False
    social_work_only: bool = False


def item(label, url_name, roles=None, order=50, police_only=False, social_work_only=False) -> NavItem:
    return NavItem(label, url_name, tuple(roles) if roles else None, order, police_only, social_work_only)


def _allowed(item, user):
    if user.is_administrator:
        return True
    if item.police_only and not user.is_police:
        return False
    if item.social_work_only and user.is_police:
        return False
    return item.roles is None or user.role in item.roles


def items_for(user):
    if not user.is_authenticated:
        return []
    out = []
    for item in sorted(hooks.get_hooks(hooks.NAVIGATION), key=lambda i: i.order):
        if _allowed(item, user):
            try:
                out.append({"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name})
            except NoReverseMatch:
                continue
    return out
