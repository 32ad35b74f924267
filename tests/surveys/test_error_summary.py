from django import forms

from surveys.templatetags.govuk import error_links


class Sample(forms.Form):
    name = forms.CharField()
    colour = forms.ChoiceField(choices=[("r", "Red")], widget=forms.RadioSelect)
    extras = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)

    def clean(self):
        raise forms.ValidationError("Something about the whole form")


def test_error_links_point_at_the_first_input_of_radios_and_checkboxes():
    form = Sample(data={})
    assert not form.is_valid()
    assert error_links(form) == [
        ("id_name", "Something about the whole form"),
        ("id_name", "This field is required."),
        ("id_colour_1", "This field is required."),
        ("id_extras_1", "This field is required."),
    ]
