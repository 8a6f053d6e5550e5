"""MCO tracking-number formats (R-FILE-4, issue 12): HFS is asked to record one for each MCO
that has none; a pattern is proposed from real examples, worded for providers, tried
against a number, and a pattern that cannot be used is refused with the reason at the
field, everything typed kept, never a server error."""

import pytest
from django.urls import reverse

from portal import tracking_formats
from portal.models import MCO

pytestmark = pytest.mark.django_db


@pytest.fixture
def hfs_client(client, hfs_staff):
    client.force_login(hfs_staff)
    return client


def edit(client, slug="molina", **fields):
    mco = MCO.objects.get(slug=slug)
    data = {"name": mco.name, "short_name": mco.short_name, "is_active": "on",
            "tracking_pattern": mco.tracking_pattern, "tracking_example": mco.tracking_example,
            "tracking_format": mco.tracking_format, "examples": "", "test_number": ""}
    data.update(fields)
    return client.post(reverse("mco_edit", args=[slug]), data)


# -- the helper itself ------------------------------------------------------------------


@pytest.mark.parametrize(("examples", "pattern", "words"), [
    (["PDXGR1234567"], "PDXGR[0-9]{7}", "PDXGR, then 7 digits"),
    (["MOL-123", "MOL-98765"], "MOL-[0-9]{3,5}", "MOL, then a hyphen, then 3 to 5 digits"),
    (["AB-12", "CD-34"], "[A-Z]{2}-[0-9]{2}", "2 capital letters, then a hyphen, then 2 digits"),
    (["12/ab", "34/cd"], "[0-9]{2}/[a-z]{2}", "2 digits, then a slash, then 2 small letters"),
])
def test_a_pattern_is_proposed_from_examples(examples, pattern, words):
    proposal = tracking_formats.propose(examples)
    assert (proposal.pattern, proposal.description) == (pattern, words)
    assert all(tracking_formats.matches(proposal.pattern, e) for e in examples)
    assert tracking_formats.describe(proposal.pattern) == words


def test_examples_of_two_shapes_give_two_alternatives():
    proposal = tracking_formats.propose(["A123", "2026-0001"])
    assert tracking_formats.matches(proposal.pattern, "B999") is False  # the letter is kept
    assert tracking_formats.matches(proposal.pattern, "A777")
    assert tracking_formats.matches(proposal.pattern, "2027-1234")
    assert not tracking_formats.matches(proposal.pattern, "A12")
    assert proposal.description == "A, then 3 digits; or 4 digits, then a hyphen, then 4 digits"


def test_an_intricate_pattern_is_worded_by_hfs_not_the_portal(reference_data):
    blue_cross = MCO.objects.get(slug="blue-cross")
    assert tracking_formats.describe(blue_cross.tracking_pattern) == ""
    assert blue_cross.tracking_format_words.startswith("12 digits: the year")
    blue_cross.tracking_format = ""
    assert blue_cross.tracking_hint() == (
        "Blue Cross tracking numbers: for example 261250001234.")


@pytest.mark.parametrize("pattern", ["M[0-9", "(((", "a{99999999999}", "*M"])
def test_a_pattern_that_cannot_be_used_is_refused_in_words(pattern):
    with pytest.raises(tracking_formats.FormatError, match="not a valid regular expression"):
        tracking_formats.compile_pattern(pattern)


# -- what providers read ----------------------------------------------------------------


def test_the_hint_gives_the_format_and_example_or_says_there_is_none(reference_data):
    assert MCO.objects.get(slug="aetna").tracking_hint() == (
        "Aetna tracking numbers: PDXGR, then 7 digits; for example PDXGR1234567.")
    assert MCO.objects.get(slug="molina").tracking_hint().startswith(
        "Molina has no set format on record")


# -- the MCO list -----------------------------------------------------------------------


def test_the_mco_list_asks_for_a_format_for_each_mco_without_one(hfs_client):
    html = hfs_client.get(reverse("mco_list")).content.decode()
    assert "4 MCOs have no tracking-number format" in html
    for slug, name in (("molina", "Molina Healthcare of Illinois"), ("meridian", "Meridian")):
        assert (f'href="{reverse("mco_edit", args=[slug])}#tracking-format">Record a format '
                f"for {name}</a>") in html
    assert "Record a format for Aetna" not in html
    assert "R-FILE" not in html


def test_the_prompt_goes_once_every_mco_has_a_format(hfs_client):
    for mco in MCO.objects.filter(tracking_pattern=""):
        mco.tracking_pattern, mco.tracking_example = "[0-9]{5}", "12345"
        mco.save()
    assert "no tracking-number format" not in hfs_client.get(reverse("mco_list")).content.decode()


# -- the MCO page -----------------------------------------------------------------------


def test_propose_fills_the_pattern_from_examples_and_saves_nothing(hfs_client):
    response = edit(hfs_client, examples="MOL-12345\nMOL-67890\n", propose="1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Proposed from 2 examples: MOL, then a hyphen, then 5 digits." in html
    assert 'value="MOL-[0-9]{5}"' in html
    assert 'value="MOL, then a hyphen, then 5 digits"' in html
    assert 'value="MOL-12345"' in html  # the first example becomes the example
    assert MCO.objects.get(slug="molina").tracking_pattern == ""
    # Saved as proposed.
    assert edit(hfs_client, tracking_pattern="MOL-[0-9]{5}", tracking_example="MOL-12345",
                tracking_format="MOL, then a hyphen, then 5 digits",
                examples="MOL-12345\nMOL-67890").status_code == 302
    molina = MCO.objects.get(slug="molina")
    assert molina.tracking_number_is_valid("MOL-55555")
    assert not molina.tracking_number_is_valid("MOL-5555")


def test_propose_without_examples_says_so_at_the_field(hfs_client):
    html = edit(hfs_client, propose="1").content.decode()
    assert 'href="#id_examples"' in html
    assert "Enter at least one example of a real tracking number." in html


def test_a_broken_pattern_is_named_in_the_summary_and_the_input_kept(hfs_client):
    response = edit(hfs_client, tracking_pattern="MOL-[0-9", tracking_example="MOL-1")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#id_tracking_pattern"' in html
    assert "This is not a valid regular expression: unterminated character set at character 5" \
        in html
    assert 'value="MOL-[0-9"' in html and 'value="MOL-1"' in html
    assert MCO.objects.get(slug="molina").tracking_pattern == ""


def test_a_broken_pattern_with_examples_to_try_is_refused_not_a_server_error(hfs_client):
    response = edit(hfs_client, tracking_pattern="MOL-[0-9", tracking_example="MOL-12345",
                    examples="MOL-12345\nMOL-67890", test_number="MOL-12399", save="1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This is not a valid regular expression" in html
    assert "MOL-12399 cannot be tried: the pattern is not valid" in html
    assert MCO.objects.get(slug="molina").tracking_pattern == ""


def test_a_pattern_needs_an_example_and_must_accept_the_examples(hfs_client):
    html = edit(hfs_client, tracking_pattern="[0-9]{5}").content.decode()
    assert "Enter an example that fits the pattern" in html
    html = edit(hfs_client, tracking_pattern="[0-9]{5}", tracking_example="12345",
                examples="12345\n1234").content.decode()
    assert "The pattern does not accept “1234”." in html
    assert MCO.objects.get(slug="molina").tracking_pattern == ""


def test_trying_a_number_says_whether_it_matches_without_saving(hfs_client):
    html = edit(hfs_client, tracking_pattern="[0-9]{5}", tracking_example="12345",
                test_number="1234", **{"try": "1"}).content.decode()
    assert "1234 does not match the pattern." in html
    html = edit(hfs_client, tracking_pattern="[0-9]{5}", tracking_example="12345",
                test_number="54321", **{"try": "1"}).content.decode()
    assert "54321 matches the pattern." in html
    assert 'data-pattern-test="id_tracking_pattern"' in html  # the live check's hook
    assert MCO.objects.get(slug="molina").tracking_pattern == ""
