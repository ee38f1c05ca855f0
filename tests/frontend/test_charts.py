"""The SVG chart geometry and the small template helpers."""

from types import SimpleNamespace

from django.utils import translation

from frontend.charts import bar_chart, relation_network, sparkline
from frontend.templatetags.gvi_ui import signed


def test_bars_scale_to_the_largest_value_and_highlight_the_current_week():
    chart = bar_chart([0, 5, 10], ["1", "2", "3"], width=100, height=50, gap=5)
    assert [bar.highlight for bar in chart.bars] == [False, False, True]
    assert chart.bars[2].height == 50 and chart.bars[1].height == 25
    assert chart.bars[0].height == 1  # an empty week is a hairline, not nothing
    assert chart.bars[2].x + chart.bars[2].width == 100


def test_bars_of_nothing_do_not_divide_by_zero():
    chart = bar_chart([0, 0])
    assert all(bar.height == 1 for bar in chart.bars)


def test_sparkline_skips_missing_runs_and_marks_the_last_score():
    spark = sparkline([1.0, None, 3.0], width=100, height=20, pad=0)
    assert spark.points == "0.0,20.0 100.0,0.0"
    assert spark.last == 3.0 and (spark.last_x, spark.last_y) == (100.0, 0.0)
    assert sparkline([None, None]).empty


def test_network_puts_the_group_in_the_centre_and_each_other_group_once():
    group, a, b = (SimpleNamespace(pk=i, name=f"G{i}") for i in (1, 2, 3))
    relation = lambda x, y, kind, end=None: SimpleNamespace(  # noqa: E731
        group_a=x, group_b=y, group_a_id=x.pk, group_b_id=y.pk, kind=kind, end_date=end
    )
    network = relation_network(group, [relation(group, a, "conflict"), relation(b, group, "alliance", "2025-01-01")])
    assert [(node.pk, node.centre) for node in network.nodes] == [(1, True), (2, False), (3, False)]
    assert (network.nodes[0].x, network.nodes[0].y) == (network.width / 2, network.height / 2)
    assert [(edge.kind, edge.ended) for edge in network.edges] == [("conflict", False), ("alliance", True)]


def test_signed_change_uses_the_language_number_format():
    with translation.override("sv"):
        assert signed(0.26) == "+0,3"
        assert signed(-1.0) == "-1"
        assert signed(0) == "0"
    with translation.override("en"):
        assert signed(1.5) == "+1.5"
