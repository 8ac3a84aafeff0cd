"""The feedback admin: read-only lists and pages; a comment (personal data) only for superusers."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.feedback.factories import FollowUpFactory, InvitationFactory, ResponseFactory
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db

COMMENT = "Il commesso mi ha ignorato"


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["response", "invitation", "followup"])
def test_changelists_render_and_nothing_can_be_added(superuser_client, model):
    FollowUpFactory()
    InvitationFactory()
    assert superuser_client.get(f"/admin/feedback/{model}/").status_code == 200
    assert superuser_client.get(f"/admin/feedback/{model}/add/").status_code == 403


def test_only_superusers_see_the_comment(superuser_client):
    response = ResponseFactory(nps=2, comment=COMMENT)
    page = superuser_client.get(f"/admin/feedback/response/{response.pk}/change/")
    assert (
        page.status_code == 200
        and COMMENT in page.content.decode()
        and "field-comment" in page.content.decode()
    )
    staff = UserFactory(username="hq", role="hq_manager", is_staff=True, is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="view_response"))
    client = Client()
    client.force_login(staff)
    page = client.get(f"/admin/feedback/response/{response.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert COMMENT not in html and "field-comment" not in html and "field-nps" in html
