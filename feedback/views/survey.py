"""The public survey page: `/feedback/s/<token>/`, no login, one answer per link (docs/FEEDBACK.md).

What it shows about the visit is the store's name and the date, never who the customer is or what they
bought. It asks the touchpoint's questions (feedback.questions) as radio groups and a comment, and works with
neither JavaScript nor cookies beyond Django's CSRF one (the form carries its token; nothing is exempt).

Answers (documented choices):
- a valid link: 200 and the form; a POST that records the answer redirects (302) to the thank-you page;
- a POST with invalid values: 200 and the form again, the choices kept, the error next to its field;
- a link already answered: 200 on GET (a kind "you have already answered, thank you" page: coming back is
  not an error), 409 with that same page on a second POST;
- a link past its expiry: 410, a kind page; an altered or unknown link: 404, a kind page.

The page speaks the invitation's language, unless the visitor chose one with the switcher (Django's
set_language view: its cookie then wins)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from feedback.exceptions import BadLink, InvalidFeedback, InvitationExpired, InvitationUsed
from feedback.links import invitation_from_token, receipt_link_valid, survey_url
from feedback.models import Invitation
from feedback.questions import Question, questions_for
from feedback.selectors.invitations import answered_elsewhere, receipt_invitation_of
from feedback.services.responses import record_response
from stores.selectors.slots import location_zone

COMMENT_MAX = 2000
CHOOSE = {
    "nps": _("Please choose a number from 0 to 10."),
    "csat": _("Please choose a number from 1 to 5."),
    "ces": _("Please choose a number from 1 to 7."),
}


class SurveyForm(forms.Form):
    """The touchpoint's questions: the first (the NPS, asked everywhere) must be answered, the others and
    the comment may be left out."""

    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX}),
    )

    def __init__(self, questions: list[Question], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for position, question in enumerate(questions):
            self.fields[question.field] = forms.TypedChoiceField(
                label=question.text,
                choices=[(str(v), str(v)) for v in question.values],
                coerce=int,
                required=position == 0,
                empty_value=None,
                error_messages={"required": CHOOSE[question.field], "invalid_choice": CHOOSE[question.field]},
            )

    def groups(self) -> list[dict[str, Any]]:
        """What the template draws for each question: its radios, what was chosen, its error."""
        chosen = self.data if self.is_bound else {}
        return [
            {
                "question": q,
                "name": q.field,
                "required": self.fields[q.field].required,
                "values": [str(v) for v in q.values],
                "chosen": str(chosen.get(q.field, "")),
                "errors": self.errors.get(q.field, []) if self.is_bound else [],
                "wide": q.high - q.low >= 7,
            }
            for q in self.questions
        ]


def _activate_language(request: HttpRequest, invitation: Invitation) -> None:
    """The invitation's language, unless the visitor chose one with the switcher (its cookie)."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        return
    if invitation.language in dict(settings.LANGUAGES):
        translation.activate(invitation.language)
        request.LANGUAGE_CODE = invitation.language


def _visit(invitation: Invitation) -> dict[str, Any]:
    """The only things the page tells about the visit: the store and the day."""
    location = invitation.location
    zone = location_zone(location) if location is not None else None
    day = timezone.localtime(invitation.occurred_at, zone).date()  # a date: templates do not shift it
    return {"store": location.name if location is not None else "", "date": day}


def _message(
    request: HttpRequest, kind: str, status: int, invitation: Invitation | None = None
) -> HttpResponse:
    context = {"kind": kind, **(_visit(invitation) if invitation is not None else {})}
    return render(request, "feedback/survey_message.html", context, status=status)


def _open(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    try:
        invitation = invitation_from_token(token)
    except BadLink:
        return _message(request, "bad_link", 404)
    except InvitationExpired:
        return _message(request, "expired", 410)
    _activate_language(request, invitation)
    return invitation


def _answered(invitation: Invitation) -> bool:
    return invitation.responded_at is not None or answered_elsewhere(invitation)


def _form_page(request: HttpRequest, invitation: Invitation, form: SurveyForm) -> HttpResponse:
    context = {
        "form": form,
        "groups": form.groups(),
        "touchpoint": invitation.touchpoint,
        **_visit(invitation),
    }
    return render(request, "feedback/survey.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    invitation = opened
    questions = questions_for(invitation.touchpoint)
    if request.method != "POST":
        if _answered(invitation):
            return _message(request, "answered", 200, invitation)
        return _form_page(request, invitation, SurveyForm(questions))
    if _answered(invitation):
        return _message(request, "answered", 409, invitation)
    form = SurveyForm(questions, request.POST)
    if not form.is_valid():
        return _form_page(request, invitation, form)
    data = form.cleaned_data
    try:
        record_response(
            invitation=invitation,
            touchpoint=invitation.touchpoint,
            nps=data.get("nps"),
            csat=data.get("csat"),
            ces=data.get("ces"),
            comment=data.get("comment", ""),
            language=translation.get_language() or "",
        )
    except InvitationUsed:
        return _message(request, "answered", 409, invitation)
    except InvitationExpired:
        return _message(request, "expired", 410)
    except InvalidFeedback as exc:
        for field in exc.errors or {}:
            form.add_error(
                field if field in form.fields else None, CHOOSE.get(field, _("Please check this answer."))
            )
        return _form_page(request, invitation, form)
    return redirect("feedback:survey-thanks", token=token, permanent=False)


@require_http_methods(["GET", "HEAD"])
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    if opened.responded_at is None:  # nothing answered yet: the survey itself
        return redirect("feedback:survey", token=token)
    return _message(request, "thanks", 200, opened)


@require_http_methods(["GET", "HEAD"])
def receipt_link(request: HttpRequest, number: str, check: str) -> HttpResponse:
    """The short link printed on a receipt: to the sale's survey, when the check matches."""
    invitation = receipt_invitation_of(number) if receipt_link_valid(number, check) else None
    if invitation is None:
        return _message(request, "bad_link", 404)
    return redirect(survey_url(invitation))
