"""Form widgets render with Django's Jinja2 templates, and the admin's own widgets still work."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_administrator_can_open_a_users_page():
    alice = get_user_model().objects.create_superuser("alice", password="a long pass phrase 42")
    client = Client()
    client.force_login(alice)
    page = client.get(f"/admin/auth/user/{alice.pk}/change/")
    assert page.status_code == 200
    assert "Password" in page.text and 'name="username"' in page.text
