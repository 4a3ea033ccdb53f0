"""Choice labels for list pages: ``get_<field>_display`` without translating every choice per call."""

from typing import Any

from django.db import models
from django.utils.encoding import force_str


class ChoiceDisplay(models.Model):
    """Django's ``get_<field>_display`` hashes the whole choice list on each call, and hashing a lazy
    label translates it: a status column of 25 rows translated every status 25 times. Here the
    value → label map is built once per field and only the label shown is translated."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: Any) -> Any:
        labels = field.__dict__.get("_display_labels")
        if labels is None:
            labels = field._display_labels = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
