"""The weekly review: trends, the flag explained, reach, work done, overdue follow-ups, exports."""

import csv
import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from gvi import models as m
from gvi import reach as stored_reach
from gvi import weekly_counts
from gvi.selectors.weekly_review import incident_trends, reach, week_starts
from tests import factories as f
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


def test_week_starts_are_mondays_oldest_first_and_end_with_the_last_full_week():
    starts = week_starts(dt.date(2026, 11, 25))  # a Wednesday
    assert starts[-1] == dt.date(2026, 11, 16)  # the last full week, not the current one
    assert starts[0] == dt.date(2026, 9, 28)
    assert all(day.weekday() == 0 for day in starts)
    # On a Monday the current week has barely started: the reviewed week is the one just ended.
    assert week_starts(dt.date(2026, 11, 30))[-1] == dt.date(2026, 11, 23)
    # On a Sunday the current week is not full until midnight.
    assert week_starts(dt.date(2026, 11, 29))[-1] == dt.date(2026, 11, 16)


def test_trends_count_incidents_per_group_and_area_by_week(police, police_coordinator):
    today = timezone.localdate()
    area = f.AreaFactory(programme=police.programme, name="Norra")
    group = f.GroupFactory(organisation=police, name="Norrgänget")
    member = f.MembershipFactory(organisation=police, group=group).person
    # The last full week (the reviewed one); the current week is shown apart.
    this_week = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=today.weekday() + 7), dt.time(1)))
    attributed = f.IncidentFactory(organisation=police, area=area, occurred_at=this_week)
    f.GroupAttributionFactory(organisation=police, incident=attributed, group=group)
    # A member's suspect involvement links an incident to the group; the same incident
    # attributed and involving a member counts once.
    by_member = f.IncidentFactory(organisation=police, area=area, occurred_at=this_week - dt.timedelta(days=14))
    f.InvolvementFactory(organisation=police, incident=by_member, person=member)
    f.InvolvementFactory(organisation=police, incident=attributed, person=member)
    # A victim's incident does not count for the victim's group.
    as_victim = f.IncidentFactory(organisation=police, area=area, occurred_at=this_week - dt.timedelta(days=7))
    f.InvolvementFactory(organisation=police, incident=as_victim, person=member, role=m.InvolvementRole.VICTIM)

    now = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time(0, 30)))
    f.GroupAttributionFactory(
        organisation=police, incident=f.IncidentFactory(organisation=police, area=area, occurred_at=now), group=group
    )
    weekly_counts.rebuild(programme_id=police.programme_id)  # factories write around the services

    for raw in (True, False):
        trends = incident_trends(police_coordinator, today, raw=raw)
        assert trends.source == ("raw" if raw else "stored")
        assert trends.total.counts[-3:] == [1, 1, 1] and trends.total.current == 1
        [row] = trends.by_group
        assert row.label == "Norrgänget" and row.counts[-3:] == [1, 0, 1] and row.reviewed == 1 and row.current == 1
        [area_row] = trends.by_area
        assert area_row.label == "Norra" and area_row.total == 3


def test_reach_counts_only_active_memberships_of_active_groups(police, probation, police_coordinator):
    reached_group = f.GroupFactory(organisation=police)
    other_group = f.GroupFactory(organisation=police)
    f.GroupFactory(organisation=police, status=m.GroupStatus.DISSOLVED)
    key = f.MembershipFactory(organisation=police, group=reached_group, is_key_individual=True).person
    f.MembershipFactory(organisation=police, group=other_group, is_key_individual=True)
    proposed = f.MembershipFactory(organisation=police, group=other_group, status=m.MembershipStatus.PROPOSED).person
    f.InvitationFactory(organisation=police, person=key, status=m.InvitationStatus.ATTENDED)
    # Reaching a person whose membership is only proposed reaches no group.
    f.CustomNotificationFactory(organisation=probation, person=proposed)
    # Invited but absent is not reached.
    f.InvitationFactory(organisation=police, person=f.MembershipFactory(organisation=police, group=other_group).person)

    stored_reach.rebuild(programme_id=police.programme_id)  # the factories went around the services

    for raw in (True, False):  # counted within the reader's view, and read from the stored figures
        numbers = reach(police_coordinator, raw=raw)
        assert numbers["active_groups"] == 2 and numbers["groups_reached"] == 1 and numbers["groups_percent"] == 50
        assert numbers["key_individuals"] == 2 and numbers["key_reached"] == 1 and numbers["key_percent"] == 50
        assert numbers["members"] == 3 and numbers["members_reached"] == 1


def test_review_page_shows_the_flags_explained_down_to_incidents(coordinator_client, city):
    response = coordinator_client.get(reverse("frontend:weekly_review"))
    html = response.content.decode()
    suggested, confirmed = city["suggested"], city["confirmed"]
    assert suggested.group.name in html and confirmed.group.name in html
    assert reverse("frontend:flag_detail", args=[suggested.pk]) in html
    contribution = m.ScoreContribution.objects.filter(group_score__group=suggested.group).first()
    assert contribution.incident.source in html
    assert "<svg" in html and 'role="img"' in html
    assert response.context["review"].reach["active_groups"] == 4


def test_review_shows_overdue_follow_ups_by_organisation(coordinator_client, police, probation):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    f.FollowUpFactory(owner_organisation=probation, due_date=yesterday)
    f.FollowUpFactory(owner_organisation=probation, due_date=yesterday, status=m.FollowUpStatus.DONE)
    f.FollowUpFactory(owner_organisation=police)  # not yet due
    response = coordinator_client.get(reverse("frontend:weekly_review"))
    assert [(row["owner_organisation__name"], row["n"]) for row in response.context["review"].overdue] == [
        (probation.name, 1)
    ]


def test_csv_export_has_every_section_and_is_logged(coordinator_client, city, police_coordinator):
    response = coordinator_client.get(reverse("frontend:weekly_review_csv"))
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert city["suggested"].group.name in text
    assert city["groups"][0].name in text
    assert m.AccessLog.objects.filter(user=police_coordinator, action="export", record_kind="weekly_review").exists()


def test_csv_export_names_each_contributions_factors(coordinator_client, city, settings):
    flag = city["suggested"]
    contributions = m.ScoreContribution.objects.filter(group_score__run=flag.run, group_score__group=flag.group)
    contributions.update(detail={"share": 0.5, "decay": 0.9739412345, "severity": 8, "later_key": 1})
    coordinator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = coordinator_client.get(reverse("frontend:weekly_review_csv"))
    text = response.content.decode("utf-8-sig")  # for Swedish Excel: a BOM and semicolons
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=";") if row and row[0] == "Contribution"]
    assert rows
    ours = [row for row in rows if row[4] == f"{contributions[0].contribution:.2f}"]
    assert ours[0][5:] == ["Severity weight", "8", "Time decay", "0.974", "Attribution share", "0.5", "later_key", "1"]
    assert not {"severity", "decay", "share"} & {cell for row in rows for cell in row}


def test_pdf_export_is_a_pdf(coordinator_client, city):
    response = coordinator_client.get(reverse("frontend:weekly_review_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000


def _pdftoppm(pdf: bytes, tmp_path, dpi: int = 40):
    """Page 1 of the PDF as an image, rendered by poppler's pdftoppm, as PIL sees it."""
    from PIL import Image

    if not shutil.which("pdftoppm"):
        skip_or_fail("No pdftoppm: install Debian's poppler-utils to render the PDF.")
    (tmp_path / "review.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-f",
            "1",
            "-l",
            "1",
            "-r",
            str(dpi),
            "-png",
            str(tmp_path / "review.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    [png] = tmp_path.glob("page*.png")
    return Image.open(png).convert("RGB")


def test_the_pdfs_first_page_holds_the_review_with_the_reviewed_week_highlighted(coordinator_client, city, tmp_path):
    html = coordinator_client.get(reverse("frontend:weekly_review")).content.decode()
    assert html.count("bar-current") >= 1
    response = coordinator_client.get(reverse("frontend:weekly_review_pdf"))
    image = _pdftoppm(response.content, tmp_path)
    width, height = image.size
    pixels = image.load()
    inked_rows = [y for y in range(height) if any(sum(pixels[x, y]) < 600 for x in range(0, width, 2))]
    # Not a title alone: ink over most of the page's height (the chart, the trend tables).
    assert len(inked_rows) > height * 0.5, (len(inked_rows), height)
    colours = {pixels[x, y] for x in range(width) for y in range(height)}
    # The bars: the reviewed week black, the weeks before it grey (the PDF ignores CSS fills in SVG).
    assert (0x9A, 0x9A, 0x9A) in colours and (0, 0, 0) in colours


def test_the_pdf_holds_the_quality_section_and_the_current_week_apart(coordinator_client, city, settings, tmp_path):
    if not shutil.which("pdftotext"):
        skip_or_fail("No pdftotext: install Debian's poppler-utils to read the PDF.")
    coordinator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    (tmp_path / "review.pdf").write_bytes(coordinator_client.get(reverse("frontend:weekly_review_pdf")).content)
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(tmp_path / "review.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Reviewed week" in first and "Per group" in first and "This week so far" in first
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "review.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Quality of the listing" in text and "People listed" in text


def test_another_programme_sees_none_of_it(client, city, other_programme_officer):
    client.force_login(other_programme_officer)
    response = client.get(reverse("frontend:weekly_review"))
    html = response.content.decode()
    assert city["suggested"].group.name not in html
    assert response.context["review"].trends.total.total == 0


def test_csv_is_for_swedish_excel_with_local_dates(coordinator_client, city):
    flag = city["suggested"]
    contribution = m.ScoreContribution.objects.filter(group_score__run=flag.run, group_score__group=flag.group).first()
    # 00:30 on 2 November in Stockholm is still 1 November in UTC.
    local = timezone.make_aware(dt.datetime(2026, 11, 2, 0, 30))
    # The run keeps the incident's time as it saw it: that is the time the export shows.
    m.ScoreContribution.objects.filter(pk=contribution.pk).update(occurred_at=local)
    response = coordinator_client.get(reverse("frontend:weekly_review_csv"))
    assert response.content.startswith("\ufeff".encode())  # the BOM: å, ä, ö read as UTF-8
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    ours = [row for row in rows if contribution.incident.source in row]
    assert ours and ours[0][2] == "2026-11-02"
    assert "Å" in text or "ä" in text or "å" in text  # Swedish labels, unbroken
    assert response["Content-Disposition"].endswith('.csv"')


def test_xlsx_has_typed_dates_and_numbers(coordinator_client, city):
    from openpyxl import load_workbook

    response = coordinator_client.get(reverse("frontend:weekly_review_xlsx") + "?period=quarter")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    reviewed = next(row for row in rows if row and isinstance(row[1], dt.datetime))
    assert reviewed[1].weekday() == 0 and (reviewed[2] - reviewed[1]).days == 6  # Monday to Sunday
    header = next(row for row in rows if row and isinstance(row[1], str) and isinstance(row[2], dt.datetime))
    weeks = [cell for cell in header[2:] if isinstance(cell, dt.datetime)]
    assert len(weeks) == 13 and all(week.weekday() == 0 for week in weeks)
    total = rows[rows.index(header) + 1]
    assert all(isinstance(n, int) for n in total[2:16])
    scores = [row[3] for row in rows if len(row) > 3 and row[2] == city["suggested"].group.name]
    assert scores and all(isinstance(score, float | int) for score in scores)
    assert m.AccessLog.objects.filter(action="export", record_kind="weekly_review").exists()


def test_what_is_next_lists_call_ins_follow_ups_due_and_unreached_top_groups(
    coordinator_client, police, probation, police_coordinator
):
    from gvi.selectors.weekly_review_next import what_is_next

    today = timezone.localdate()
    soon = f.CallInFactory(organisation=police, scheduled_at=timezone.now() + dt.timedelta(days=3), venue="Folkets hus")
    f.CallInFactory(organisation=police, scheduled_at=timezone.now() + dt.timedelta(days=30))  # too far
    sunday = today + dt.timedelta(days=6 - today.weekday())
    f.FollowUpFactory(owner_organisation=probation, due_date=sunday)
    f.FollowUpFactory(owner_organisation=probation, due_date=sunday + dt.timedelta(days=1))  # next week
    reached, unreached = f.GroupFactory(organisation=police, name="Nådda"), f.GroupFactory(organisation=police)
    member = f.MembershipFactory(organisation=police, group=reached, review_due=today + dt.timedelta(days=5)).person
    f.CustomNotificationFactory(organisation=probation, person=member)
    f.SupervisionFactory(organisation=probation, person=member, end_date=today + dt.timedelta(days=10))
    run = m.ScoringRun.objects.create(
        programme_id=police.programme_id, as_of=timezone.now(), finished_at=timezone.now(), trigger="t"
    )
    m.GroupScore.objects.create(run=run, group=reached, score=9, rank=1, incident_count=1)
    m.GroupScore.objects.create(run=run, group=unreached, score=8, rank=2, incident_count=1)
    # Its only member told is contested: a listing in dispute does not count as reaching the group.
    disputed = f.GroupFactory(organisation=police, name="Omstridda")
    contested = f.MembershipFactory(organisation=police, group=disputed, is_contested=True).person
    f.CustomNotificationFactory(organisation=probation, person=contested)
    m.GroupScore.objects.create(run=run, group=disputed, score=7, rank=3, incident_count=1)

    coming = what_is_next(police_coordinator, today)

    assert [row["pk"] for row in coming.call_ins] == [soon.pk]
    assert [(row["owner_organisation__name"], row["n"]) for row in coming.follow_ups_due] == [(probation.name, 1)]
    assert [row["name"] for row in coming.unreached_top_groups] == [unreached.name, disputed.name]
    assert coming.reviews_due == 1 and coming.supervisions_ending == 1
    html = coordinator_client.get(reverse("frontend:weekly_review")).content.decode()
    assert 'id="what-is-next"' in html and unreached.name in html and "Folkets hus" in html


# --- Users the policy shows nothing (issue 14, item 9) ------------------------------------------


@pytest.fixture
def administrator(police):
    return f.UserFactory(username="admin.polis", organisation=police, role=m.Role.ADMINISTRATOR)


@pytest.fixture
def without_organisation(db):
    return f.UserFactory(username="utan.organisation", organisation=None, role=m.Role.COORDINATOR)


@pytest.mark.parametrize("who", ["administrator", "without_organisation"])
def test_the_review_answers_a_user_who_may_see_no_incidents(client, request, police, police_coordinator, who):
    """The policy empties their querysets; the SQL built from them must not fail (it was a 500)."""
    group = f.GroupFactory(organisation=police)
    incident = f.IncidentFactory(organisation=police, occurred_at=timezone.now() - dt.timedelta(days=1))
    f.GroupAttributionFactory(organisation=police, incident=incident, group=group)
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse("frontend:weekly_review"))
    assert response.status_code == 200
    review = response.context["review"]
    assert review.trends.total.total == 0 and review.trends.by_group == []
    assert review.reach["members"] == 0
