"""Reference data: the MCOs with their tracking-number formats (R-FILE-4) and complaint
types (R-FILE-5), loaded without overwriting HFS staff's edits."""

import pytest
from django.urls import reverse

from portal.models import MCO, ComplaintType
from portal.reference_data import load_reference_data

pytestmark = pytest.mark.django_db


def test_the_six_healthchoice_mcos_and_eleven_complaint_types(reference_data):
    assert set(MCO.objects.values_list("short_name", flat=True)) == {
        "Aetna",
        "Blue Cross",
        "CountyCare",
        "Meridian",
        "Molina",
        "YouthCare",
    }
    assert list(ComplaintType.objects.values_list("name", flat=True)) == [
        "Claims/Payment",
        "Communications",
        "Contracting",
        "Coverage/Service Denials",
        "Eligibility",
        "Patient Credit File (PCF)",
        "Prior Authorizations (PAs)",
        "Provider Enrollment",
        "Roster",
        "System Issue",
        "Other",
    ]


@pytest.mark.parametrize(
    ("slug", "number", "valid"),
    [
        ("blue-cross", "261250001234", True),
        ("blue-cross", "263660001234", True),  # day 366 (leap years)
        ("blue-cross", "263670001234", False),  # no day 367
        ("blue-cross", "260000001234", False),  # no day 0
        ("blue-cross", "26125000123", False),  # 11 digits
        ("blue-cross", "2612500012345", False),  # 13 digits
        ("aetna", "PDXGR1234567", True),
        ("aetna", "PDXGR123456", False),
        ("aetna", "pdxgr1234567", False),
        ("aetna", "XPDXGR1234567", False),
        ("molina", "anything-at-all 42", True),
        ("molina", "   ", False),
        ("molina", "", False),
    ],
)
def test_tracking_numbers_follow_each_mcos_pattern(reference_data, slug, number, valid):
    assert MCO.objects.get(slug=slug).tracking_number_is_valid(number) is valid


def test_every_example_matches_its_own_pattern(reference_data):
    for mco in MCO.objects.exclude(tracking_pattern=""):
        assert mco.tracking_number_is_valid(mco.tracking_example), mco.name


def test_loading_again_keeps_hfs_edits(reference_data):
    MCO.objects.filter(slug="molina").update(tracking_pattern="M[0-9]{8}")
    assert load_reference_data() == 0
    assert MCO.objects.get(slug="molina").tracking_pattern == "M[0-9]{8}"


def test_hfs_staff_edit_a_pattern(client, hfs_staff):
    client.force_login(hfs_staff)
    molina = MCO.objects.get(slug="molina")
    response = client.post(
        reverse("mco_edit", args=["molina"]),
        {
            "name": molina.name,
            "short_name": molina.short_name,
            "tracking_pattern": "M[0-9]{8}",
            "tracking_example": "M12345678",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    molina.refresh_from_db()
    assert molina.tracking_number_is_valid("M12345678")
    assert not molina.tracking_number_is_valid("X1")


def test_a_broken_pattern_is_refused_with_the_fix_and_the_input_kept(client, hfs_staff):
    client.force_login(hfs_staff)
    molina = MCO.objects.get(slug="molina")
    response = client.post(
        reverse("mco_edit", args=["molina"]),
        {
            "name": molina.name,
            "short_name": "Molina",
            "tracking_pattern": "M[0-9",
            "tracking_example": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "not a valid regular expression" in html
    assert 'value="M[0-9"' in html
    molina.refresh_from_db()
    assert molina.tracking_pattern == ""


def test_an_example_that_fails_the_pattern_is_refused(client, hfs_staff):
    client.force_login(hfs_staff)
    response = client.post(
        reverse("mco_edit", args=["aetna"]),
        {
            "name": "Aetna Better Health of Illinois",
            "short_name": "Aetna",
            "tracking_pattern": "PDXGR[0-9]{7}",
            "tracking_example": "PDXGR12",
        },
    )
    assert response.status_code == 200
    assert "does not match the pattern" in response.content.decode()
