"""Forms shown once for each item of a page: a report form under every comment, a reject form on every proposal
of the officials' queue. Each copy keeps the usual field names (what the view reads) and takes its item in its
ids, so the ids stay unique on the page: ``FlagForm(meta={"item": "flag-comment-5"})`` is
``<input id="flag-comment-5-reason" name="reason">``. A refused copy comes back as it was sent, the others empty."""

from flask import g
from flask_wtf import FlaskForm


class ItemForm(FlaskForm):
    """A form with one copy per item of a page (``meta={"item": ...}``)."""

    class Meta:
        item = None

        def bind_field(self, form, unbound_field, options):
            if self.item is not None:
                options = {**options, "id": f"{self.item}-{options.get('prefix', '')}{options['name']}"}
            return unbound_field.bind(form=form, **options)


def item_form(form_class, item):
    """The copy of ``form_class`` for ``item``: the one ``server.web.helpers.submit`` refused on this request
    (``g.refused_form``), with what was typed and why, or else an empty one (never filled from the request, which
    may be another copy's)."""
    refused = g.get("refused_form")
    if isinstance(refused, form_class) and str(refused.meta.item) == str(item):
        return refused
    return form_class(formdata=None, meta={"item": item})
