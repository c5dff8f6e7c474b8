from django import forms

from wargame.reports.models import ReportBuild
from wargame.reports.services import HOTWASH_LENGTH


class ReportOptionsForm(forms.Form):
    include_names = forms.BooleanField(
        required=False,
        label="Show participants' names",
        help_text="Otherwise participants appear as “Japan 1”, “Japan 2”, …",
    )
    include_messages = forms.BooleanField(
        required=False,
        label="Include the messages teams sent",
        help_text="Every channel, private ones included.",
    )
    participants_may_download = forms.BooleanField(
        required=False, label="Players may read and download the report"
    )


class HotWashForm(forms.Form):
    insights = forms.CharField(
        required=False,
        max_length=HOTWASH_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the exercise taught: shown in the report's hot-wash section.",
    )
    notes = forms.CharField(
        required=False,
        max_length=HOTWASH_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything else for the record: follow-ups, what to change next time.",
    )


class BuildForm(forms.Form):
    format = forms.ChoiceField(choices=ReportBuild.Format.choices)
