from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.db import models, transaction

from sessions_app.totals.ledger import stale_mark


class StaleMarkingAdmin:
    """For the admin of a counted model: what the admin changes or deletes marks its months of
    figures stale, as the services do. `figures_day` names the lookups of a row's antenna id and
    day, as values_list takes them."""

    figures_day: ClassVar[tuple[str, str]]

    def figures_days(self, queryset: models.QuerySet) -> list[tuple[int, datetime.date]]:
        return list(queryset.values_list(*self.figures_day))

    def _days_of(self, obj: models.Model) -> list[tuple[int, datetime.date]]:
        return self.figures_days(type(obj)._default_manager.filter(pk=obj.pk))

    def save_model(self, request: Any, obj: models.Model, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = self._days_of(obj) if change else []
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            stale_mark([*before, *self._days_of(obj)])

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)  # type: ignore[misc]
            stale_mark(self._days_of(form.instance))

    def delete_model(self, request: Any, obj: models.Model) -> None:
        with transaction.atomic():
            stale_mark(self._days_of(obj))
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: Any, queryset: models.QuerySet) -> None:
        with transaction.atomic():
            stale_mark(self.figures_days(queryset))
            super().delete_queryset(request, queryset)  # type: ignore[misc]
