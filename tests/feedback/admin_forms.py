"""Posting admin change forms the way a browser does: every field as the page rendered it."""

from html.parser import HTMLParser

from django import forms


def _value(bound_field):
    value = bound_field.value()
    if value is None:
        # A browser sends nothing for a set of checkboxes none of which is ticked.
        return (
            []
            if isinstance(
                bound_field.field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
            )
            else ""
        )
    if isinstance(value, bool):
        return "on" if value else None
    return value


def change_form_data(response):
    """The POST data of the change form in ``response`` (main form, inlines, management forms)."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = _value(form[name])
        if value is not None:
            data[form.add_prefix(name)] = value
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = _value(management[name])
        for inline_form in formset.forms:
            for name in inline_form.fields:
                value = _value(inline_form[name])
                if value is not None:
                    data[inline_form.add_prefix(name)] = value
    return data


def hidden_form_data(response):
    """The hidden inputs of the page in ``response`` (a confirmation page's form), as POST data.

    Repeated names (``_selected_action``) become lists, as a browser sends them.
    """
    data = {}

    class Inputs(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if tag == "input" and attributes.get("type") == "hidden":
                name, value = attributes["name"], attributes.get("value", "")
                if name in data:
                    previous = data[name]
                    data[name] = [*(previous if isinstance(previous, list) else [previous]), value]
                else:
                    data[name] = value

    Inputs().feed(response.content.decode())
    return data
