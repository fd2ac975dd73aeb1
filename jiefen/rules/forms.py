"""The form administrators edit deadline rules with; the checks are services.rule_problems."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.rules.models import DeadlineRule
from jiefen.rules.services import rule_problems

RULE_FIELDS = [
    "key",
    "tier",
    "trigger",
    "condition",
    "action",
    "days",
    "day_kind",
    "priority",
    "active",
    "basis",
]


class DeadlineRuleForm(forms.ModelForm):
    # Without the model field's lower bound, zero and negative terms get the rule's own words.
    days = forms.IntegerField(label=_("期限天数"), required=False)

    class Meta:
        model = DeadlineRule
        fields = RULE_FIELDS

    def clean(self):  # type: ignore[no-untyped-def]
        super().clean()
        cleaned = self.cleaned_data
        candidate = DeadlineRule(
            pk=self.instance.pk, **{f: cleaned.get(f) for f in RULE_FIELDS if f in cleaned}
        )
        for field, errors in rule_problems(candidate).items():
            # A field that already failed its own validation needs no second message.
            if field not in self.errors:
                for error in errors:
                    self.add_error(field, error)
        return cleaned
