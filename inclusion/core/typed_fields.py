"""The typed arguments of the services that create or change a row from a form.

Each entity a form edits has a frozen dataclass of the model fields a service takes
(`OrganizationFields`, `AntennaFields`, `PermanenceFields`…): the view builds it from the valid
form's cleaned_data with `from_form`, and the service reads typed attributes, never a dict of
whatever the form held. A service with only a few values takes them as keyword arguments instead.
"""

import dataclasses
from collections.abc import Mapping
from typing import Any, Self

from django.db import models


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelFields:
    """Base of those dataclasses: declare the fields, in the order the form shows them."""

    @classmethod
    def names(cls) -> list[str]:
        """The fields' names, in their declared order (the form's Meta.fields)."""
        return [field.name for field in dataclasses.fields(cls)]

    @classmethod
    def from_form(cls, cleaned_data: Mapping[str, Any]) -> Self:
        """The values of a valid form for these fields; the form's other fields are left out,
        and one of these missing from it is an error (TypeError)."""
        names = set(cls.names())
        return cls(**{name: value for name, value in cleaned_data.items() if name in names})

    @classmethod
    def from_instance(cls, instance: models.Model, **changes: Any) -> Self:
        """A row's current values for these fields, with `changes` over them: an edit of a few
        fields, `PermanenceFields.from_instance(permanence, seats=3)`."""
        return cls(**{name: getattr(instance, name) for name in cls.names()} | changes)

    def values(self) -> dict[str, Any]:
        """Name to value, to set on a model instance (shallow: the instances stay themselves)."""
        return {name: getattr(self, name) for name in self.names()}
