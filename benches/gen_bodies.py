#!/usr/bin/env python3
"""Request bodies for the benchmarks (deterministic: the same seed gives the same bytes).

    gen_bodies.py estimate OUT.json             one realistic multi-leg estimate request
    gen_bodies.py batch OUT.json [--count N]    POST /v1/estimate/batch body (default 10,000 trips)
    gen_bodies.py trips OUTDIR --total N [--orgs O] [--start YYYY-MM-DD] [--days D]
        POST /v1/campaigns/{c}/trips bodies of up to 10,000 trips each, written as
        OUTDIR/batch_00000.json ... plus OUTDIR/manifest.tsv ("file<TAB>org_index<TAB>trips").
        With --single-leg every trip has one mode (as a spreadsheet row does) and --sheet FILE
        also writes the same trips as one CSV with Chinese headers and values, as coordinators
        save it (参与者,日期,方向,出行方式,距离（公里）,乘车人数,原出行方式; dates as 2026/5/3).
        Each organization's members (p0..pN) commute day by day (to_work + from_work, a round trip,
        or to_work only); organizations take turns sending batches. Every trip key
        (organization, participant, date, direction) is unique and no round trip shares a day
        with another trip of the same participant, so nothing is a duplicate.
"""

import argparse
import csv
import datetime
import json
import os
import random
import sys

# (mode, share, (min_km, max_km)) - a commuter mix for a Chinese city.
SINGLE_MODES = [
    ("metro", 24, (3.0, 30.0)),
    ("bus", 18, (1.5, 20.0)),
    ("bicycle", 10, (0.8, 10.0)),
    ("walk", 6, (0.3, 3.0)),
    ("e_bike", 10, (2.0, 18.0)),
    ("car", 7, (3.0, 40.0)),
    ("car_petrol", 4, (3.0, 40.0)),
    ("car_electric", 4, (3.0, 40.0)),
    ("light_rail", 3, (2.0, 20.0)),
    ("rail", 3, (10.0, 60.0)),
    ("taxi", 2, (2.0, 25.0)),
    ("coach", 2, (5.0, 40.0)),
    ("telework", 3, (5.0, 30.0)),
    ("e_scooter", 2, (1.0, 8.0)),
    ("motorcycle", 2, (3.0, 25.0)),
]
MULTI_LEGS = [
    [("walk", (0.3, 1.5)), ("metro", (3.0, 25.0))],
    [("bicycle", (0.5, 3.0)), ("metro", (3.0, 25.0))],
    [("walk", (0.2, 1.0)), ("bus", (2.0, 12.0)), ("metro", (3.0, 20.0))],
    [("e_bike", (1.0, 5.0)), ("rail", (10.0, 50.0)), ("walk", (0.3, 1.5))],
    [("bus", (1.0, 8.0)), ("light_rail", (2.0, 12.0))],
]
PER_VEHICLE = {"car", "car_petrol", "car_diesel", "car_hybrid", "car_plugin_hybrid",
               "car_electric", "motorcycle"}
BASELINES = ["car", "car_petrol", "car_electric", "bus", "taxi"]


def km(rng, bounds):
    return round(rng.uniform(*bounds), 1)


def legs_or_mode(rng, single_leg=False):
    """The movement part of a trip: single mode (most) or 2-3 legs."""
    out = {}
    if not single_leg and rng.random() < 0.18:
        out["legs"] = [{"mode": m, "distance_km": km(rng, b)} for m, b in rng.choice(MULTI_LEGS)]
    else:
        mode, _, bounds = rng.choices(SINGLE_MODES, weights=[s for _, s, _ in SINGLE_MODES])[0]
        out["mode"] = mode
        out["distance_km"] = km(rng, bounds)
        if mode in PER_VEHICLE and mode != "motorcycle" and rng.random() < 0.3:
            out["passengers"] = rng.randint(2, 4)
    if rng.random() < 0.12:
        out["baseline"] = {"mode": rng.choice(BASELINES)}
    return out


def estimate_body():
    return {
        "factor_set": "cn-2022",
        "region": "CN-BJ",
        "legs": [
            {"mode": "bicycle", "distance_km": 2.0},
            {"mode": "metro", "distance_km": 9.0},
            {"mode": "walk", "distance_km": 0.6},
        ],
        "round_trip": False,
        "baseline": {"mode": "car"},
    }


def batch_body(count, rng):
    trips = []
    for _ in range(count):
        trip = legs_or_mode(rng)
        if rng.random() < 0.2:
            trip["round_trip"] = True
        if rng.random() < 0.1:
            trip["region"] = rng.choice(["CN-BJ", "CN-SH", "CN-GD", "north", "east"])
        trips.append(trip)
    return {"trips": trips}


def org_stream(org_index, participants, start, days, seed, single_leg=False):
    """One organization's trips, day by day, participant by participant."""
    rng = random.Random(seed * 1000 + org_index)
    for d in range(days):
        date = (start + datetime.timedelta(days=d)).isoformat()
        for p in range(participants):
            r = rng.random()
            directions = ["round_trip"] if r < 0.2 else (["to_work"] if r > 0.9 else ["to_work", "from_work"])
            for direction in directions:
                trip = {"participant": f"p{p}", "date": date, "direction": direction}
                trip.update(legs_or_mode(rng, single_leg))
                yield trip


DIRECTIONS_ZH = {"to_work": "上班", "from_work": "下班", "round_trip": "往返"}


def sheet_row(trip):
    """A single-leg trip as a coordinator's CSV row."""
    year, month, day = (int(part) for part in trip["date"].split("-"))
    return [trip["participant"], f"{year}/{month}/{day}", DIRECTIONS_ZH[trip["direction"]], trip["mode"],
            str(trip["distance_km"]), str(trip.get("passengers", "")), trip.get("baseline", {}).get("mode", "")]


def write_trips(outdir, total, orgs, start, days, per_request, seed, single_leg=False, sheet=None):
    os.makedirs(outdir, exist_ok=True)
    rows = [] if sheet else None
    per_org = -(-total // orgs)
    # 1.6 trips per participant-day on average (0.2*1 + 0.7*2 + 0.1*1); leave headroom.
    participants = int(per_org / (days * 1.5)) + 1
    streams = [org_stream(o, participants, start, days, seed, single_leg) for o in range(orgs)]
    remaining_per_org = [per_org] * orgs
    written = 0
    index = 0
    manifest = []
    while written < total:
        progressed = False
        for o in range(orgs):
            n = min(per_request, remaining_per_org[o], total - written)
            if n <= 0:
                continue
            trips = []
            for trip in streams[o]:
                trips.append(trip)
                if len(trips) == n:
                    break
            if not trips:
                continue
            if len(trips) < n:
                sys.exit(f"organization {o} ran out of trips; raise --days")
            name = f"batch_{index:05d}.json"
            with open(os.path.join(outdir, name), "w") as f:
                json.dump({"trips": trips}, f, separators=(",", ":"))
            if rows is not None:
                rows.extend(sheet_row(trip) for trip in trips)
            manifest.append(f"{name}\t{o}\t{len(trips)}")
            remaining_per_org[o] -= len(trips)
            written += len(trips)
            index += 1
            progressed = True
            if written >= total:
                break
        if not progressed:
            break
    with open(os.path.join(outdir, "manifest.tsv"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    if rows is not None:
        with open(sheet, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(["参与者", "日期", "方向", "出行方式", "距离（公里）", "乘车人数", "原出行方式"])
            writer.writerows(rows)
    print(f"{written} trips in {index} requests, {participants} participants per organization, "
          f"{orgs} organizations, {days} days from {start}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("estimate")
    p.add_argument("out")
    p = sub.add_parser("batch")
    p.add_argument("out")
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p = sub.add_parser("trips")
    p.add_argument("outdir")
    p.add_argument("--total", type=int, required=True)
    p.add_argument("--orgs", type=int, default=5)
    p.add_argument("--start", default="2026-05-01")
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--per-request", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--single-leg", action="store_true")
    p.add_argument("--sheet")
    args = parser.parse_args()

    if args.what == "estimate":
        with open(args.out, "w") as f:
            json.dump(estimate_body(), f, separators=(",", ":"))
    elif args.what == "batch":
        with open(args.out, "w") as f:
            json.dump(batch_body(args.count, random.Random(args.seed)), f, separators=(",", ":"))
    else:
        start = datetime.date.fromisoformat(args.start)
        write_trips(args.outdir, args.total, args.orgs, start, args.days, args.per_request, args.seed,
                    args.single_leg, args.sheet)


if __name__ == "__main__":
    main()
