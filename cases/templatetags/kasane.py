import datetime as dt

from django import forms, template
from django.utils import timezone

from core.japanese import format_wareki

register = template.Library()


@register.filter
def wareki(value, style: str = "") -> str:
    """{{ date|wareki }} → 令和7年4月1日; {{ date|wareki:"seireki" }} adds （2025年）."""
    if not value:
        return ""
    return format_wareki(value, with_seireki=style == "seireki")


@register.filter
def wareki_datetime(value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{format_wareki(local.date())} {local:%H:%M}"


@register.filter
def age(person) -> str:
    """A person's age today: 「82歳」, or 「80歳くらい」 when only an estimate is known."""
    return person.age_text(timezone.localdate()) if person else ""


GROUPED_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.MultiWidget)


@register.filter
def is_grouped(field) -> bool:
    """Fields of several inputs get a fieldset and legend instead of one label."""
    return isinstance(field.field.widget, GROUPED_WIDGETS)


@register.simple_tag
def render_widget(field):
    """The widget with its help text and errors tied to it for screen readers."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_help")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def masked(masking, obj, name: str, empty: str = "—") -> str:
    """{% masked masking household "address" %}: the value, or the mask of
    cases.masking when a DV等支援措置 hides it from this user."""
    value = masking.value(obj, name) if masking is not None else getattr(obj, name)
    return value or empty


@register.simple_tag
def event_message(masking, event, household_id) -> str:
    return masking.event_message(event, household_id) if masking is not None else event.message


@register.filter
def until_day(value) -> str:
    """An access that ends at a moment is shown by its inclusive last day: one that ends
    at midnight in Tokyo (令和9年4月1日 0:00) was valid through 令和9年3月31日."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = (timezone.localtime(value) - dt.timedelta(microseconds=1)).date()
    return format_wareki(value)


@register.filter(name="fiscal_year_label")
def fiscal_year_label_filter(value) -> str:
    """{{ 2025|fiscal_year_label }} → 令和7年度."""
    from core.japanese import fiscal_year_label

    return fiscal_year_label(int(value)) if value else ""
