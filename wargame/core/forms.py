"""The form renderer: Django's Jinja2 widget templates, the same markup as its template
language's for a quarter less CPU per form (the move form has some thirty widgets). Widgets
that ship Django templates only (the admin's) fall back to those."""

from functools import cached_property

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(Jinja2):
    @cached_property
    def fallback(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
