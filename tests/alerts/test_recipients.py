"""Who is told of a lab's alerts, and how: the lab's directors and its accountants (of the
lab or office-wide) by e-mail, in their language, and on their home page; a person
without an address on the home page only; another lab's director, the auditors and the
office head are not told (the auditors read the alerts on the Alerts page)."""

from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from alerts.models import Alert, AlertDelivery, AlertPreference
from alerts.selectors import alerts_for_user
from alerts.services import alert_language_set, alerts_check
from irls.models import Role
from ledger.models import AuditEvent
from tests.alerts.conftest import ON, invoice, person


def test_the_labs_director_and_accountants_are_told_and_nobody_else(
    accountant,
    cintra,
    majulab,
    line,
    cintra_director,
    cintra_accountant,
    director_majulab,
    auditor,
    office_head,
):
    gone = person("acct_gone", Role.ACCOUNTANT, cintra, "gone@cintra.example.org")
    gone.is_active = False
    gone.save()
    invoice(accountant, cintra, "8500.00", line)

    check = alerts_check(lab=cintra, on=ON)

    [alert] = check.raised
    told = {
        d.user.username: (d.role, d.channel, d.email)
        for d in AlertDelivery.objects.filter(alert=alert).select_related("user")
    }
    assert told == {
        "dir_cintra": ("director", "email", "director@cintra.example.org"),
        "acct_cintra": ("accountant", "email", "accounts@cintra.example.org"),
        "accountant": ("accountant", "home", ""),  # office-wide, without an address
    }
    assert (check.emailed, check.failed, check.home_only) == (2, 0, 1)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "accounts@cintra.example.org",
        "director@cintra.example.org",
    ]
    director_mail = next(m for m in mail.outbox if m.to == ["director@cintra.example.org"])
    assert "You receive this e-mail as lab director of CINTRA." in director_mail.body

    # On the home page (the selector the home page uses): the lab's people see it, the
    # auditor reads it too; MajuLab's director does not.
    [notice] = alerts_for_user(cintra_director)
    assert (notice.lab_code, notice.told_me, notice.is_open) == ("CINTRA", True, True)
    assert notice.title == "Budget line OP-SUP (Line OP-SUP, 2025) has passed 80 %"
    assert notice.url == f"/labs/CINTRA/budget/2025/lines/{line.pk}/"
    [seen] = alerts_for_user(auditor)
    assert seen.alert == alert and not seen.told_me
    assert alerts_for_user(director_majulab) == []
    assert alerts_for_user(cintra_director, lab=majulab) == []
    assert alerts_for_user(cintra_director, since=alert.created_at) == [notice]
    assert alerts_for_user(gone) == []


def test_a_person_who_chose_french_is_told_in_french(
    accountant, cintra, line, cintra_director, cintra_accountant
):
    alert_language_set(acting_user=cintra_director, language="fr")
    assert AlertPreference.objects.get(user=cintra_director).language == "fr"
    event = AuditEvent.objects.get(action="alert_preference.set")
    assert event.after == {"language": "fr"} and event.actor == cintra_director
    invoice(accountant, cintra, "10100.00", line)

    alerts_check(lab=cintra, on=ON)

    french = next(m for m in mail.outbox if m.to == ["director@cintra.example.org"])
    english = next(m for m in mail.outbox if m.to == ["accounts@cintra.example.org"])
    assert french.subject == "IRL Ledger : 1 nouvelle alerte budgétaire pour CINTRA"
    assert "La ligne budgétaire OP-SUP (Ligne OP-SUP, 2025) a atteint 100 %" in french.body
    assert "Consommé : 101,0 %, soit 10\xa0100,00 SGD dépensés et engagés" in french.body
    assert "has passed 100 %" in english.body
    assert AlertDelivery.objects.get(user=cintra_director, alert__threshold=100).language == "fr"


def test_the_alerts_page_lists_the_labs_alerts_and_who_was_told(
    client: Client,
    accountant,
    cintra,
    line,
    cintra_director,
    director_majulab,
    auditor,
):
    invoice(accountant, cintra, "8500.00", line)
    alerts_check(lab=cintra, on=ON)
    alert = Alert.objects.get()

    for reader in (cintra_director, accountant, auditor):
        client.force_login(reader)
        page = client.get("/labs/CINTRA/alerts/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Budget line OP-SUP (Line OP-SUP, 2025) has passed 80 %" in text
        assert "e-mail to director@cintra.example.org" in text
        assert "accountant:\n" in text or "home page only (no e-mail address)" in text
        assert f'href="/labs/CINTRA/budget/2025/lines/{line.pk}/"' in text
        assert '<th scope="col">' in text and 'id="alerts-caption"' in text
    client.force_login(director_majulab)
    assert client.get("/labs/CINTRA/alerts/").status_code == 404
    assert client.post("/labs/CINTRA/alerts/language/", {"language": "fr"}).status_code == 404
    assert alert.is_open


def test_each_person_chooses_the_language_of_their_alert_emails(
    client: Client, cintra, cintra_director: User
):
    client.force_login(cintra_director)
    response = client.post("/labs/CINTRA/alerts/language/", {"language": "fr"}, follow=True)
    assert response.redirect_chain == [("/labs/CINTRA/alerts/", 302)]
    assert "Your alert e-mails will be written in French." in response.content.decode()
    assert AlertPreference.objects.get(user=cintra_director).language == "fr"
    response = client.post("/labs/CINTRA/alerts/language/", {"language": "de"})
    assert response.status_code == 400 and "English or French" in response.content.decode()
    assert AlertPreference.objects.get(user=cintra_director).language == "fr"
    assert client.get("/labs/CINTRA/alerts/language/").status_code == 405
