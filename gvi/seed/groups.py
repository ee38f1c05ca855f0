"""Areas with their police classification, groups with aliases and areas, and the
conflicts and alliances between groups."""

import datetime as dt
from itertools import product

from gvi.models import (
    Area,
    Group,
    GroupAlias,
    GroupRelation,
    GroupStatus,
    OrganisationKind,
    PoliceClassification,
    RelationKind,
)
from gvi.seed import names
from gvi.seed.context import SOURCED, TRACKED, Context, zipf_cum_weights

POLICE = OrganisationKind.POLICE

CLASSIFICATION_WEIGHTS = {
    PoliceClassification.ESPECIALLY_VULNERABLE: 10,
    PoliceClassification.VULNERABLE: 15,
    PoliceClassification.RISK: 15,
    PoliceClassification.NONE: 60,
}
# Violent groups are more often based in the areas the police classify.
AREA_PULL = {
    PoliceClassification.ESPECIALLY_VULNERABLE: 6,
    PoliceClassification.VULNERABLE: 4,
    PoliceClassification.RISK: 2,
    PoliceClassification.NONE: 1,
}


def seed_areas(ctx: Context) -> list[str]:
    """Create the areas; return their classifications in ctx.area_ids order."""
    rng = ctx.rng
    all_names = [f"{p}{a}{b}" for p, a, b in product(names.AREA_PREFIXES, names.AREA_FIRST, names.AREA_SECOND)]
    area_names = rng.sample(all_names, ctx.scale.areas)
    classifications = rng.choices(
        list(CLASSIFICATION_WEIGHTS), weights=list(CLASSIFICATION_WEIGHTS.values()), k=ctx.scale.areas
    )
    first = ctx.sink.reserve(Area, ctx.scale.areas)
    ctx.area_ids = list(range(first, first + ctx.scale.areas))
    ctx.sink.write(
        Area,
        ("id", "programme_id", "name", "municipality", "police_classification", "in_focus", *TRACKED),
        (
            # The areas the police classify are the programme's focus; the rest are its comparison.
            (area_id, ctx.programme_id, name, ctx.city, classification, classification != PoliceClassification.NONE)
            + ctx.tracked()
            for area_id, name, classification in zip(ctx.area_ids, area_names, classifications, strict=True)
        ),
    )
    ctx.area_names = dict(zip(ctx.area_ids, area_names, strict=True))
    ctx.focus_area_ids = {
        area_id
        for area_id, classification in zip(ctx.area_ids, classifications, strict=True)
        if classification != PoliceClassification.NONE
    }
    return classifications


def _group_name(ctx: Context, area_name: str, taken: set[str]) -> str:
    rng = ctx.rng
    short_area = area_name.split(" ")[-1]
    name = rng.choice(names.GROUP_PATTERNS).format(area=short_area, word=rng.choice(names.GROUP_WORDS))
    if name in taken:
        name = f"{name} ({area_name})"
    number = 2
    base = name
    while name in taken:
        name = f"{base} {number}"
        number += 1
    taken.add(name)
    return name


def seed_groups(ctx: Context, classifications: list[str]) -> None:
    rng, scale = ctx.rng, ctx.scale
    pull = [AREA_PULL[c] for c in classifications]
    first = ctx.sink.reserve(Group, scale.groups)
    ctx.group_ids = list(range(first, first + scale.groups))
    taken: set[str] = set()
    group_rows, alias_rows, area_rows = [], [], []
    for index, group_id in enumerate(ctx.group_ids):
        home = rng.choices(ctx.area_ids, weights=pull)[0]
        areas = list(dict.fromkeys([home, *rng.sample(ctx.area_ids, rng.randint(0, min(2, len(ctx.area_ids))))]))
        ctx.group_areas.append(areas)
        name = _group_name(ctx, ctx.area_names[home], taken)
        ctx.group_names.append(name)
        # The most violent fifth is active; the tail has some dormant and dissolved groups.
        status = GroupStatus.ACTIVE
        if index >= max(2, scale.groups // 5):
            status = rng.choices(list(GroupStatus), weights=[75, 15, 10])[0]
        year = ctx.today.year - rng.randint(0, 2)
        group_rows.append(
            (
                group_id,
                name,
                status,
                f"Nätverk med bas i {ctx.area_names[home]}.",
                *ctx.sourced(POLICE, f"Lägesbild {year}, Polisen {ctx.city}"),
            )
        )
        aliases = {f"{name.split(' ')[0][:12]}-{rng.choice(names.GROUP_ALIAS_WORDS)}" for _ in range(rng.randint(0, 2))}
        alias_rows.extend((group_id, alias) for alias in sorted(aliases))
        area_rows.extend((group_id, area_id) for area_id in areas)
    ctx.sink.write(Group, ("id", "name", "status", "description", *SOURCED), group_rows)
    ctx.sink.write(GroupAlias, ("group_id", "alias"), alias_rows)
    ctx.sink.write(Group.areas.through, ("group_id", "area_id"), area_rows)
    ctx.rivals = [[] for _ in ctx.group_ids]
    ctx.group_incidents = [0] * scale.groups


def seed_relations(ctx: Context) -> None:
    """Conflicts and alliances, most of them among the most violent groups."""
    rng, scale = ctx.rng, ctx.scale
    cum = zipf_cum_weights(scale.groups, 0.8)
    indexes = range(scale.groups)
    pairs: set[tuple[int, int]] = set()
    rows = []
    for _ in range(scale.relations * 3):  # a few tries per relation: pairs must not repeat
        if len(rows) >= scale.relations:
            break
        a, b = rng.choices(indexes, cum_weights=cum, k=2)
        pair = (min(a, b), max(a, b))
        if a == b or pair in pairs:
            continue
        pairs.add(pair)
        kind = RelationKind.CONFLICT if rng.random() < 0.7 else RelationKind.ALLIANCE
        start = ctx.days_ago(rng.randint(30, 900))
        end = None
        if rng.random() < 0.3:
            end = start + dt.timedelta(days=rng.randint(0, (ctx.today - start).days))
        if kind == RelationKind.CONFLICT and end is None:
            ctx.rivals[a].append(b)
            ctx.rivals[b].append(a)
        description = "Pågående konflikt" if kind == RelationKind.CONFLICT else "Samarbete kring narkotikaförsäljning"
        rows.append(
            (
                ctx.group_ids[a],
                ctx.group_ids[b],
                kind,
                start,
                end,
                description,
                *ctx.sourced(POLICE, f"Lägesbild {start.year}, Polisen {ctx.city}"),
            )
        )
    ctx.sink.write(
        GroupRelation, ("group_a_id", "group_b_id", "kind", "start_date", "end_date", "description", *SOURCED), rows
    )
