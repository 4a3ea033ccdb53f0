"""The half-year evaluation of units."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from patrols.models._scope import _manager


class EvaluationItem(models.Model):
    name = models.CharField(_("item"), max_length=200)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("evaluation item")
        verbose_name_plural = _("evaluation items")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class Evaluation(models.Model):
    unit = models.ForeignKey(Organization, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evaluations")
    period = models.CharField(_("half year"), max_length=7)  # e.g. 2026-H1
    total = models.DecimalField(_("total score"), max_digits=6, decimal_places=2, default=Decimal("0"))
    beats = models.PositiveIntegerField(_("beats"), default=0)
    false_figures = models.BooleanField(_("hidden, inflated or false figures found"), default=False)
    false_figures_reason = models.CharField(_("finding"), max_length=500, blank=True)

    objects = _manager("unit")

    class Meta:
        verbose_name = _("half-year evaluation")
        verbose_name_plural = _("half-year evaluations")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="one_evaluation_per_unit_period"),
            models.CheckConstraint(
                condition=Q(false_figures=False) | ~Q(false_figures_reason=""), name="false_figures_need_a_finding"
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.period}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(EvaluationItem, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score (0–100)"), max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "item"], name="one_score_per_item"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="score_0_to_100"),
        ]

    def __str__(self):
        return f"{self.evaluation} {self.item}"
