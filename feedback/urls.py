"""The staff pages of the feedback app."""

from __future__ import annotations

from django.urls import path

from feedback.views import follow_ups, survey

app_name = "feedback"

urlpatterns: list = []
# feedback-reports: the follow-up queue
urlpatterns += [
    path("follow-ups/", follow_ups.follow_up_list, name="follow-up-list"),
    path("follow-ups/<int:pk>/", follow_ups.follow_up_detail, name="follow-up-detail"),
]
# feedback-invitations: the public survey page (no login) and the short link printed on receipts
urlpatterns += [
    path("s/<str:token>/", survey.survey, name="survey"),
    path("s/<str:token>/thanks/", survey.thanks, name="survey-thanks"),
    path("r/<str:number>/<str:check>/", survey.receipt_link, name="receipt-link"),
]
