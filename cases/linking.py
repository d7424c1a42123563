"""名寄せ as a decision: what linking a new intake to an existing household will do.

When window staff link a person typed at the intake to an existing record, the
consultation goes to that record's household instead of a new one. Before anything is
saved the page shows what will happen, and for every value typed that differs from
the record (an address, a phone, a ふりがな) asks which to keep. Nothing typed is
dropped silently: a value the user may not write to the record is kept in the
consultation's 主訴 and said so; a value under DV等支援措置 is neither shown nor kept,
and the page says that too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.japanese import (
    format_wareki,
    normalize_address,
    normalize_kana,
    normalize_phone,
    normalize_text,
)

from .masking import HOUSEHOLD_CONTACT_FIELDS, PERSON_CONTACT_FIELDS, masking_for
from .models import Household, Person
from .permissions import (
    HOUSEHOLD_WORK_FIELDS,
    PERSON_WORK_FIELDS,
    fields_need,
    household_needs,
)

KEEP_EXISTING = "existing"
KEEP_TYPED = "typed"
CONFIRM_FIELD = "link-confirm"

# Per compared field: how two values are judged the same.
_SAME: dict[str, Callable[[Any], Any]] = {
    "address": normalize_address,
    "phone": normalize_phone,
    "postal_code": normalize_phone,
    "family_name": normalize_text,
    "given_name": normalize_text,
    "family_name_kana": normalize_kana,
    "given_name_kana": normalize_kana,
    "email": lambda v: (v or "").strip().lower(),
}
HOUSEHOLD_COMPARED = ("postal_code", "address", "phone", "notes")
PERSON_COMPARED = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "estimated_age",
    "sex",
    "phone",
    "email",
    "address",
)


def _blank(value: Any) -> bool:
    return value in (None, "") or (isinstance(value, str) and not value.strip())


def _display(obj: Household | Person, name: str, value: Any) -> str:
    if isinstance(value, dt.date):
        return format_wareki(value)
    model_field = obj._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


@dataclass
class Difference:
    """One value typed at the intake that differs from the existing record."""

    key: str
    label: str
    target: Household | Person
    name: str
    existing: str
    typed_value: Any
    typed: str
    may_update: bool
    masked: bool
    append: bool = False
    answer: str = ""

    @property
    def input_name(self) -> str:
        return f"link-{self.key}"

    @property
    def needs_answer(self) -> bool:
        return self.may_update and not self.masked

    @property
    def answered(self) -> bool:
        return not self.needs_answer or self.answer in (KEEP_EXISTING, KEEP_TYPED)

    @property
    def kept_in_summary(self) -> bool:
        """Typed, readable, but not the user's to write: kept in the consultation."""
        return not self.may_update and not self.masked


@dataclass
class LinkedRow:
    typed_name: str
    person: Person


@dataclass
class LinkPlan:
    household: Household
    linked: list[LinkedRow]
    added: list[str]
    differences: list[Difference] = field(default_factory=list)
    confirmed: bool = False

    @property
    def complete(self) -> bool:
        return self.confirmed and all(d.answered for d in self.differences)

    def household_changes(self) -> dict[str, Any]:
        """The household's contact fields with the chosen values (all of them: the
        update service recomputes its search keys from the whole set)."""
        chosen = {
            d.name: self._chosen_value(d)
            for d in self.differences
            if d.target is self.household and d.answer == KEEP_TYPED and d.needs_answer
        }
        if not chosen:
            return {}
        return {name: getattr(self.household, name) for name in HOUSEHOLD_COMPARED} | chosen

    def member_changes(self) -> list[tuple[Person, dict[str, Any]]]:
        changes: dict[Any, tuple[Person, dict[str, Any]]] = {}
        for d in self.differences:
            if isinstance(d.target, Person) and d.answer == KEEP_TYPED and d.needs_answer:
                changes.setdefault(d.target.pk, (d.target, {}))[1][d.name] = d.typed_value
        return list(changes.values())

    def summary_addendum(self) -> str:
        kept = [d for d in self.differences if d.kept_in_summary]
        if not kept:
            return ""
        lines = "\n".join(f"・{d.label}：{d.typed}" for d in kept)
        return f"\n\n【受付時に聞き取った、既存の記録と異なる値】\n{lines}"

    def _chosen_value(self, d: Difference) -> Any:
        if d.append:
            existing = getattr(d.target, d.name) or ""
            return f"{existing}\n{d.typed_value}".strip()
        return d.typed_value


def _compare(
    *,
    target: Household | Person,
    typed: Mapping[str, Any],
    names: tuple[str, ...],
    prefix: str,
    label_of: Callable[[str], str],
    work_fields: frozenset[str],
    contact_fields: tuple[str, ...],
    needs: frozenset,
    masked: bool,
    answers: Mapping[str, str],
) -> list[Difference]:
    found = []
    for name in names:
        value = typed.get(name)
        if _blank(value) or (name == "sex" and value == Person.Sex.UNKNOWN):
            continue
        current = getattr(target, name)
        same = _SAME.get(name, lambda v: v)
        if same(value) == same(current):
            continue
        is_masked = masked and name in contact_fields
        difference = Difference(
            key=f"{prefix}-{name}",
            label=label_of(name),
            target=target,
            name=name,
            existing="" if _blank(current) else _display(target, name, current),
            typed_value=value,
            typed=_display(target, name, value),
            may_update=fields_need({name}, work_fields) in needs,
            masked=is_masked,
            append=name == "notes",
        )
        difference.answer = answers.get(difference.input_name, "")
        found.append(difference)
    return found


def link_plan_build(
    *,
    user,
    household: Household,
    household_typed: Mapping[str, Any],
    rows: list[tuple[Mapping[str, Any], Person | None]],
    answers: Mapping[str, str],
) -> LinkPlan:
    """The plan of an intake whose rows link to ``household``: ``rows`` are the typed
    member rows with the person each links to (None: a new member)."""
    needs = household_needs(user, household)
    masked = masking_for(user=user, households=[household]).household_masked(household.pk)

    def verbose(model, name: str) -> str:
        return str(model._meta.get_field(name).verbose_name)

    differences = _compare(
        target=household,
        typed=household_typed,
        names=HOUSEHOLD_COMPARED,
        prefix="h",
        label_of=lambda name: f"世帯の{verbose(Household, name)}",
        work_fields=HOUSEHOLD_WORK_FIELDS,
        contact_fields=HOUSEHOLD_CONTACT_FIELDS,
        needs=needs,
        masked=masked,
        answers=answers,
    )
    linked, added = [], []
    for index, (data, person) in enumerate(rows):
        typed_name = f"{data.get('family_name', '')} {data.get('given_name', '')}".strip()
        if person is None:
            added.append(typed_name)
            continue
        linked.append(LinkedRow(typed_name=typed_name, person=person))
        differences += _compare(
            target=person,
            typed=data,
            names=PERSON_COMPARED,
            prefix=f"m{index}",
            label_of=lambda name, p=person: f"{p.full_name}さんの{verbose(Person, name)}",
            work_fields=PERSON_WORK_FIELDS,
            contact_fields=PERSON_CONTACT_FIELDS,
            needs=needs,
            masked=masked,
            answers=answers,
        )
    return LinkPlan(
        household=household,
        linked=linked,
        added=added,
        differences=differences,
        confirmed=answers.get(CONFIRM_FIELD) == str(household.pk),
    )
