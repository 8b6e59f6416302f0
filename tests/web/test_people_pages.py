"""The People pages in French: every word of the page in French, the roles' names too."""

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from irls import services
from irls.models import Role

FRENCH = {"accept-language": "fr"}


def test_the_people_pages_speak_french(client: Client, office_head, director_cintra, cintra):
    client.force_login(office_head)
    mei = services.user_create(
        acting_user=office_head,
        username="mei",
        first_name="Mei",
        last_name="Tan",
        email="mei@example.org",
    )
    services.role_grant(acting_user=office_head, user=mei, role=Role.AUDITOR, lab=cintra)

    listing = client.get("/people/", headers=FRENCH).content.decode()
    for words in ("Personnes", "Créer un compte", "Directeur du laboratoire · CINTRA", "Jamais"):
        assert words in listing, words
    for english in ("Create an account", "Last login", "Never", "whole office", "Roles"):
        assert english not in listing, english

    page = client.get(f"/people/{mei.pk}/", headers=FRENCH).content.decode()
    for words in ("Attribuer un rôle", "Désactiver le compte", "Afficher le lien", "Auditeur"):
        assert words in page, words
    for english in ("Grant a role", "Deactivate", "Show the link", "Revoke", "Password"):
        assert english not in page, english

    response = client.post(
        f"/people/{mei.pk}/reset-link/", {"delivery": "send", "username": "mei"}, headers=FRENCH
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "IRL Ledger : définissez votre mot de passe"
    assert "Bonjour mei" in message.body


def test_the_password_pages_speak_french(office_head):
    mei = get_user_model().objects.create_user("mei", email="mei@example.org")
    link = services.password_reset_link(acting_user=office_head, user=mei, site_url="")
    browser = Client()
    form = browser.get(browser.get(link)["Location"], headers=FRENCH).content.decode()
    assert "Définissez votre mot de passe" in form and "Nouveau mot de passe" in form
    broken = Client().get("/reset/MQ/no-such-token/", headers=FRENCH).content.decode()
    assert "Ce lien ne fonctionne pas" in broken
