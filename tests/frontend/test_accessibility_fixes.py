"""Issue 21's fixes, as the server renders them: charts as text, the network chart's links, graphics
contrast, the follow-up board after a status change, and the accessibility statement."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from frontend.charts import bar_chart, sparkline
from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

CSS = (Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "css" / "app.css").read_text()


def _contrast(one: str, other: str) -> float:
    def luminance(colour):
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(one), luminance(other)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _css_colour(selector: str, prop: str) -> str:
    block = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS).group(1)
    value = re.search(prop + r":\s*([^;]+);", block).group(1).strip()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))
    return variables[value[6:-1]] if value.startswith("var(") else value


@pytest.mark.parametrize(("selector", "prop"), [(".bar", "fill"), (".bar-current", "fill"), (".axis", "stroke")])
def test_chart_graphics_have_3_to_1_on_white_and_on_the_panel(selector, prop):
    colour = _css_colour(selector, prop)
    for background in ("#ffffff", _css_colour(":root", "--panel")):
        assert _contrast(colour, background) >= 3, (selector, colour, background)


def test_the_network_nodes_have_3_to_1_and_ended_relations_are_not_faded():
    assert _contrast(_css_colour(".network .node circle", "fill"), "#f4f6f8") >= 3
    assert "stroke-opacity" not in re.search(r"\.network \.edge-ended\s*\{([^}]*)\}", CSS).group(1)


def test_every_bar_keeps_its_full_label_for_the_figures_table():
    chart = bar_chart(range(52), [str(week) for week in range(1, 53)], width=320)
    assert [bar.name for bar in chart.bars] == [str(week) for week in range(1, 53)]
    assert any(bar.label == "" for bar in chart.bars)  # the axis thins its labels, the table does not
    assert sparkline([1.0, None, 3.0]).values == (1.0, None, 3.0)


def test_the_weekly_review_gives_every_chart_as_a_table(coordinator_client, city):
    response = coordinator_client.get(reverse("frontend:weekly_review"))
    page = response.content.decode()
    context = response.context
    tables = re.findall(r'<table class="chart-table">(.*?)</table>', page, flags=re.S)
    # The weekly bar chart, then the per group, per area and per type trend tables.
    assert len(tables) == 4
    weekly = tables[0]
    counts = context["review"].trends.total.counts
    for label, count in zip(context["week_labels"], counts, strict=True):
        assert f'<th scope="row">{label}</th><td class="num">{count}</td>' in weekly
    group_rows = context["group_rows"]
    assert group_rows
    for row in group_rows:
        cells = "".join(f'<td class="num">{count}</td>' for count in row["series"].counts)
        assert f'<th scope="row">{row["series"].label}</th>{cells}</tr>' in tables[1]


def test_score_lines_give_their_scores_as_text(coordinator_client, city):
    page = coordinator_client.get(reverse("frontend:group_list")).content.decode()
    texts = re.findall(r'<span class="visually-hidden spark-values">([^<]*)</span>', page)
    assert texts and all(re.search(r"\d+,\d", text) for text in texts), texts[:2]  # Swedish decimals


def test_the_network_chart_is_a_group_of_named_links_not_an_image(coordinator_client, city):
    page = coordinator_client.get(reverse("frontend:group_detail", args=[city["groups"][0].pk])).content.decode()
    svg = re.search(r'<svg class="chart network".*?</svg>', page, flags=re.S).group(0)
    assert 'role="img"' not in svg and 'role="group"' in svg
    links = re.findall(r"<a [^>]*>", svg)
    assert links and all('aria-label="' in link and 'aria-label=""' not in link for link in links)


def test_a_status_change_moves_the_card_and_updates_the_counts(coordinator_client, police):
    follow_ups = [f.FollowUpFactory(owner_organisation=police, title=f"Uppgift {i}") for i in range(3)]
    moved = follow_ups[0]
    board = reverse("frontend:follow_ups")
    response = coordinator_client.post(
        reverse("frontend:follow_up_status", args=[moved.pk]),
        {f"f{moved.pk}-status": "in_progress", "next": board},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert page.startswith('<div id="follow-up-board">')
    columns = {c["status"]: [card["follow_up"].pk for card in c["cards"]] for c in response.context["columns"]}
    assert columns["open"] == [follow_ups[1].pk, follow_ups[2].pk] or set(columns["open"]) == {
        follow_ups[1].pk,
        follow_ups[2].pk,
    }
    assert columns["in_progress"] == [moved.pk]
    column = r'<section class="board-column" aria-labelledby="column-in_progress">.*?</section>'
    in_progress = re.search(column, page, re.S)
    assert f'id="follow-up-{moved.pk}" data-just-saved' in in_progress.group(0)
    assert '<span class="count">(1)</span>' in in_progress.group(0)
    assert '<span class="count">(2)</span>' in page
    # Announced to screen readers in the live region outside the swapped board.
    assert re.search(r'<p id="board-status" class="visually-hidden" role="status" hx-swap-oob="true">[^<]+</p>', page)
    moved.refresh_from_db()
    assert moved.status == m.FollowUpStatus.IN_PROGRESS


def test_the_status_form_saves_on_its_button_or_on_leaving_not_on_change(coordinator_client, police):
    f.FollowUpFactory(owner_organisation=police)
    page = coordinator_client.get(reverse("frontend:follow_ups")).content.decode()
    form = re.search(r"<form method=\"post\" action=\"/follow-ups/\d+/status/\"[^>]*>", page).group(0)
    assert 'hx-trigger="submit"' in form and "data-save-on-leave" in form and "change" not in form
    assert '<button type="submit">' in page  # the explicit action is visible, also with scripts on


@pytest.mark.parametrize(
    ("language", "heading"), [("sv", "Tillgänglighetsredogörelse"), ("en", "Accessibility statement")]
)
def test_the_accessibility_statement_is_public_and_in_both_languages(client, language, heading):
    response = client.get(reverse("frontend:accessibility"), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in page
    assert page.count("<h2") >= 3  # what meets the standard, what does not yet, how to report


def test_the_statement_names_the_configured_contact(client, settings):
    settings.GVI_ACCESSIBILITY_CONTACT = "tillganglighet@example.org"
    page = client.get(reverse("frontend:accessibility")).content.decode()
    assert 'href="mailto:tillganglighet@example.org"' in page


def test_every_page_links_the_statement_from_its_footer(client, coordinator_client, city):
    link = f'href="{reverse("frontend:accessibility")}"'
    for response in (
        client.get(reverse("frontend:login")),
        coordinator_client.get(reverse("frontend:weekly_review")),
        coordinator_client.get(reverse("frontend:group_detail", args=[city["groups"][0].pk])),
    ):
        footer = re.search(r'<footer class="site-footer">.*?</footer>', response.content.decode(), re.S).group(0)
        assert link in footer
