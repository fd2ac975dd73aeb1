import pytest
from django import forms

from jiefen.lib.errors import CORRECT_THE_FORM, Errors, Forbidden, Invalid, errors_to_form


class PartyForm(forms.Form):
    name = forms.CharField(required=False)


PartyFormSet = forms.formset_factory(PartyForm, extra=2)


class FilingForm(forms.Form):
    title = forms.CharField(required=False)
    contact_phone = forms.CharField(required=False)


def test_it_raises_every_problem_at_once_under_the_summary():
    errors = Errors(CORRECT_THE_FORM)
    errors.add("title", "此项为必填项")
    errors.add("parties.1.name", "姓名过长")
    with pytest.raises(Invalid) as caught:
        errors.raise_if_any()
    assert str(caught.value) == "填写有误，请按提示修改"
    assert caught.value.fields == {"title": ["此项为必填项"], "parties.1.name": ["姓名过长"]}


def test_it_says_the_first_problem_without_a_summary_and_nothing_without_problems():
    errors = Errors()
    errors.raise_if_any()
    assert errors.text("note", "  很长的说明  ", 4) == "很长的说明"
    with pytest.raises(Invalid, match="不能超过 4 个字"):
        errors.raise_if_any()


def test_it_puts_each_problem_on_its_field_its_party_or_the_top():
    form = FilingForm(data={"title": "宅基地"})
    parties = PartyFormSet(data={"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0"})
    assert form.is_valid()
    assert parties.is_valid()
    error = Invalid(
        "填写有误，请按提示修改",
        fields={
            "title": ["标题过长"],
            "parties.0.phone": ["手机号码格式不正确"],
            "parties.1.name": ["姓名过长"],
            "parties.1.age": ["年龄不正确"],
            "region": ["不在您的管辖范围内"],
        },
    )
    errors_to_form(error, form, {"parties.0.phone": "contact_phone"}, formsets={"parties": parties})
    assert form.errors["title"] == ["标题过长"]
    assert form.errors["contact_phone"] == ["手机号码格式不正确"]
    assert form.non_field_errors() == ["不在您的管辖范围内"]
    assert parties.forms[1].errors["name"] == ["姓名过长"]
    assert parties.forms[1].non_field_errors() == ["年龄不正确"]
    assert not parties.forms[0].errors


def test_it_shows_a_refusal_without_fields_at_the_top():
    form = FilingForm(data={})
    form.is_valid()
    errors_to_form(Forbidden("只有本单位工作人员可以操作"), form)
    assert form.non_field_errors() == ["只有本单位工作人员可以操作"]
