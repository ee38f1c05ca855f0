"""Benchmark of one scoring run at a synthetic scale.

    DATABASE_URL=postgres://... python -m bench.scoring --groups 5000 --persons 100000 --incidents 1000000

Creates a programme "Bench scoring ..." with synthetic rows (bulk_create, no history), runs
`gvi.scoring.run_scoring` and prints the time. Synthetic data only. `--delete` removes it again.
"""

import argparse
import datetime as dt
import os
import random
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--persons", type=int, default=10000)
    parser.add_argument("--incidents", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from gvi import models as m
    from gvi.scoring import run_scoring

    rng = random.Random(args.seed)
    started = time.perf_counter()
    programme = m.Programme.objects.create(name=f"Bench scoring {timezone.now():%Y%m%d%H%M%S}", city="Benchstad")
    org = m.PartnerOrganisation.objects.create(programme=programme, name="Bench police", kind="police")
    common = {"programme": programme, "organisation": org, "source": "BENCH", "confidence": "probable"}

    def bulk(model, rows):
        created = []
        for i in range(0, len(rows), args.batch):
            created += model.objects.bulk_create(rows[i : i + args.batch], batch_size=args.batch)
        return created

    groups = bulk(m.Group, [m.Group(name=f"Bench group {i}", **common) for i in range(args.groups)])
    persons = bulk(
        m.Person,
        [
            m.Person(first_name=f"Bench{i}", last_name="Synthetic", date_of_birth=dt.date(1995, 1, 1), **common)
            for i in range(args.persons)
        ],
    )
    memberships = []
    for person in persons:
        for group in rng.sample(groups, 2 if rng.random() < 0.1 else 1):
            memberships.append(
                m.Membership(person=person, group=group, start_date=dt.date(2020, 1, 1), status="active", **common)
            )
    bulk(m.Membership, memberships)
    now = timezone.now()
    types = m.IncidentType.values
    confidences = m.Confidence.values
    person_ids = [p.pk for p in persons]
    group_ids = [g.pk for g in groups]
    done = 0
    while done < args.incidents:
        size = min(args.batch * 4, args.incidents - done)
        incidents = m.Incident.objects.bulk_create(
            [
                m.Incident(
                    incident_type=rng.choice(types),
                    occurred_at=now - dt.timedelta(minutes=rng.randrange(1, 730 * 24 * 60)),
                    verification_status="verified",
                    programme=programme,
                    organisation=org,
                    source="BENCH",
                    confidence=rng.choice(confidences),
                )
                for _ in range(size)
            ],
            batch_size=args.batch,
        )
        involvements, attributions = [], []
        for incident in incidents:
            for person_id in rng.sample(person_ids, rng.randint(1, 3)):
                role = rng.choices(["suspect", "victim", "witness"], [6, 3, 1])[0]
                involvements.append(m.Involvement(incident=incident, person_id=person_id, role=role, **common))
            if rng.random() < 0.1:
                attributions.append(
                    m.GroupAttribution(incident=incident, group_id=rng.choice(group_ids), share=0.5, **common)
                )
        m.Involvement.objects.bulk_create(involvements, batch_size=args.batch)
        m.GroupAttribution.objects.bulk_create(attributions, batch_size=args.batch)
        done += size
        print(f"  {done} incidents", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s on {connection.vendor}", flush=True)

    for i in range(args.runs):
        t0 = time.perf_counter()
        run = run_scoring(programme_id=programme.pk, trigger="bench")
        seconds = time.perf_counter() - t0
        top = run.scores.order_by("rank").first()
        print(
            f"run {i + 1}: {seconds:.2f} s for {args.groups} groups, {args.persons} persons, "
            f"{args.incidents} incidents; {m.ScoreContribution.objects.filter(group_score__run=run).count()} "
            f"contributions kept; leader score {top.score:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
