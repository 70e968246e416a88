#!/usr/bin/env python3
"""Client side of the soak (benches/soak.sh; standard library only). Each command runs until its
deadline and writes what it saw to OUT.json: {"statuses": {"201": n, ...}, "errors": n, ...}.

    soak_client.py log BASE CAMPAIGN KEY ORG SECONDS OUT.json
        logs batches of 20-200 new trips (participants of its own) every PAUSE seconds over one
        keep-alive connection; every 8th batch is the previous one again, which must come back
        as all duplicates. Anything but 201 (and 429/503 with Retry-After, then retried) counts
        as a failure.
    soak_client.py bad BASE CAMPAIGN KEY SECONDS OUT.json
        bad input in turn: malformed JSON, a batch past the trip limit, a body past the size
        limit, unknown routes, undeclared methods, bad cursors, now and then a bad key. Every
        answer must be 4xx.
    soak_client.py slow BASE CONNECTIONS SECONDS OUT.json
        CONNECTIONS clients that send a request head, or a body, one byte a second, and reconnect
        when the server gives up on them.
    soak_client.py rss PID SECONDS INTERVAL OUT.csv
        the process's VmRSS and RssAnon every INTERVAL seconds: "elapsed_s,rss_kib,anon_kib".
    soak_client.py report METRICS_URL RSS.csv WARMUP OUT.json...
        prints requests by status class (the service's own counts from /metrics), the clients'
        tallies, the 5xx count, and VmRSS and RssAnon after WARMUP seconds: min, max, max/min,
        and the mean of the last minute over the mean of the first.
"""

import http.client
import json
import random
import re
import socket
import sys
import threading
import time
import urllib.request
from collections import Counter

MODES = ["walk", "bicycle", "e_bike", "bus", "metro", "car", "rail"]


def deadline_after(seconds):
    return time.monotonic() + float(seconds)


def save(path, tally, **extra):
    with open(path, "w") as f:
        json.dump({"statuses": dict(tally), **extra}, f)


def connect(base):
    host, port = base.split("//", 1)[1].split(":")
    return http.client.HTTPConnection(host, int(port), timeout=60)


def exchange(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.getheader("Retry-After"), resp.read()


def trip_batch(rng, org, first, size):
    trips = []
    for i in range(size):
        mode = rng.choice(MODES)
        trip = {
            "participant": f"soak-{org}-{first + i}",
            "date": f"2026-06-{rng.randint(1, 28):02d}",
            "direction": rng.choice(["to_work", "from_work", "round_trip"]),
            "mode": mode,
            "distance_km": round(rng.uniform(0.5, 30.0), 3),
        }
        if mode == "car":
            trip["passengers"] = rng.randint(1, 4)
        trips.append(trip)
    return json.dumps({"trips": trips}).encode()


def log(base, campaign, key, org, seconds, out):
    rng = random.Random(int(org))
    pause = 0.25
    end = deadline_after(seconds)
    tally, failures = Counter(), []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    path = f"/v1/campaigns/{campaign}/trips"
    conn = connect(base)
    next_participant, batches, trips, previous = 0, 0, 0, None
    while time.monotonic() < end:
        batches += 1
        if previous is not None and batches % 8 == 0:
            body, size, repeat = previous[0], previous[1], True
        else:
            size = rng.randint(20, 200)
            body, repeat = trip_batch(rng, org, next_participant, size), False
            next_participant += size
        while True:
            try:
                status, retry_after, raw = exchange(conn, "POST", path, body, headers)
            except (OSError, http.client.HTTPException) as e:
                tally["connection error"] += 1
                conn.close()
                conn = connect(base)
                time.sleep(0.5)
                continue
            tally[str(status)] += 1
            if status in (429, 503) and retry_after:
                time.sleep(min(float(retry_after), 2.0))
                continue
            break
        if status != 201:
            failures.append(f"{status}: {raw[:200]!r}")
        else:
            answer = json.loads(raw)
            want = (0, size) if repeat else (size, 0)
            if (answer["accepted"], answer["duplicates"]) != want:
                failures.append(f"accepted/duplicates {answer['accepted']}/{answer['duplicates']}, wanted {want}")
            if not repeat:
                trips += size
        previous = (body, size)
        time.sleep(pause)
    save(out, tally, failures=failures[:20], failure_count=len(failures), trips=trips)


def bad(base, campaign, key, seconds, out):
    end = deadline_after(seconds)
    tally, unexpected = Counter(), []
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    json_only = {"Content-Type": "application/json"}
    trip = {"participant": "x", "date": "2026-06-02", "direction": "to_work", "mode": "bus", "distance_km": 3}
    too_many = json.dumps({"trips": [dict(trip, participant=f"x{i}") for i in range(10_001)]}).encode()
    too_large = b'{"trips":[' + b" " * (17 * 1024 * 1024) + b"]}"
    cases = [
        ("POST", "/v1/estimate", b'{"legs": [', json_only),
        ("POST", "/v1/estimate", b"\xff\xfe not json", json_only),
        ("POST", f"/v1/campaigns/{campaign}/trips", b'{"trips": [{"participant": }', auth),
        ("POST", f"/v1/campaigns/{campaign}/trips", too_many, auth),
        ("GET", "/v1/nothing-here", None, {}),
        ("GET", "/v1/campaigns/no-such-campaign/summary", None, {}),
        ("GET", "/../../etc/passwd", None, {}),
        ("DELETE", "/v1/estimate", None, {}),
        ("PATCH", "/v1/factor-sets", None, {}),
        ("PUT", "/healthz", None, {}),
        ("GET", f"/v1/campaigns/{campaign}/trips?cursor=not-a-cursor", None, auth),
        ("GET", f"/v1/campaigns/{campaign}/trips?cursor=AAAAAAAAAAAAAAAAAAAAAA&limit=5", None, auth),
        ("GET", f"/v1/campaigns/{campaign}/trips?limit=-1", None, auth),
    ]
    # A bad key now and then only: past 0.5 failed authentications a second, the service answers
    # every token from this address 429 (the logging clients' too: they share 127.0.0.1).
    bad_key = ("POST", f"/v1/campaigns/{campaign}/trips", json.dumps({"trips": [trip]}).encode(),
               {"Authorization": "Bearer gc_not_a_real_key", "Content-Type": "application/json"})
    conn = connect(base)
    n = 0
    while time.monotonic() < end:
        method, path, body, headers = cases[n % len(cases)]
        n += 1
        if n % 50 == 0:  # now and then a body past the size limit
            method, path, body, headers = "POST", f"/v1/campaigns/{campaign}/trips", too_large, auth
        elif n % 250 == 125:
            method, path, body, headers = bad_key
        try:
            status, _, raw = exchange(conn, method, path, body, headers)
        except (OSError, http.client.HTTPException):
            # The server may close a connection after refusing a body it did not read.
            tally["connection closed"] += 1
            conn.close()
            conn = connect(base)
            continue
        tally[str(status)] += 1
        if not 400 <= status < 500:
            unexpected.append(f"{method} {path[:60]}: {status} {raw[:120]!r}")
        time.sleep(0.02)
    save(out, tally, unexpected=unexpected[:20], unexpected_count=len(unexpected))


def slow(base, connections, seconds, out):
    host, port = base.split("//", 1)[1].split(":")
    end = deadline_after(seconds)
    tally, lock = Counter(), threading.Lock()

    def one(n):
        head = (f"GET /v1/factor-sets HTTP/1.1\r\nHost: {host}\r\nX-Slow: {n}\r\n\r\n").encode()
        body_head = (f"POST /v1/estimate HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: 64\r\n\r\n").encode()
        while time.monotonic() < end:
            slow_body = n % 2 == 1
            try:
                s = socket.create_connection((host, int(port)), timeout=60)
                if slow_body:
                    s.sendall(body_head)
                    payload = b"{" + b" " * 63
                else:
                    payload = head
                for b in payload:
                    if time.monotonic() >= end:
                        break
                    s.sendall(bytes([b]))
                    time.sleep(1.0)
                s.settimeout(10)
                answer = s.recv(256)
                status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "closed"
            except (OSError, IndexError):
                status = "closed"
            finally:
                try:
                    s.close()
                except Exception:
                    pass
            with lock:
                tally[("body " if slow_body else "head ") + status] += 1

    threads = [threading.Thread(target=one, args=(n,)) for n in range(int(connections))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    save(out, tally)


def rss(pid, seconds, interval, out):
    end = deadline_after(seconds)
    started = time.monotonic()
    with open(out, "w") as f:
        f.write("elapsed_s,rss_kib,anon_kib\n")
        while True:
            try:
                with open(f"/proc/{pid}/status") as status:
                    text = status.read()
                kib = int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.M).group(1))
                anon = int(re.search(r"^RssAnon:\s+(\d+) kB", text, re.M).group(1))
            except (OSError, AttributeError):
                break
            f.write(f"{time.monotonic() - started:.0f},{kib},{anon}\n")
            f.flush()
            if time.monotonic() + float(interval) > end + 1:
                break
            time.sleep(float(interval))


def report(metrics_url, rss_csv, warmup, *outs):
    text = urllib.request.urlopen(metrics_url).read().decode()
    classes, routes_5xx = Counter(), []
    for line in text.splitlines():
        m = re.match(r'http_requests_total\{method="(\w+)",route="([^"]*)",status="(\d+)"\} (\d+)', line)
        if m:
            classes[m.group(3)[0] + "xx"] += int(m.group(4))
            if m.group(3).startswith("5"):
                routes_5xx.append(line)
    total = sum(classes.values())
    print(f"service requests: {total} in all; " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
    client_5xx = 0
    for out in outs:
        data = json.load(open(out))
        statuses = data.pop("statuses")
        client_5xx += sum(v for k, v in statuses.items() if k.startswith("5"))
        print(f"  {out.rsplit('/', 1)[-1]}: {dict(sorted(statuses.items()))} {data if data else ''}")
    fivexx = classes.get("5xx", 0)
    print(f"5xx seen: {fivexx} by the service's count, {client_5xx} by the clients'"
          f" -> {'NONE (goal met)' if fivexx == 0 and client_5xx == 0 else 'SOME (goal missed)'}")
    for line in routes_5xx:
        print("  " + line)
    samples = []
    with open(rss_csv) as f:
        next(f)
        for line in f:
            t, kib, anon = line.strip().split(",")
            samples.append((int(t), int(kib), int(anon)))
    after = [s for s in samples if s[0] >= int(warmup)]
    if after:
        for name, column in (("VmRSS", 1), ("RssAnon (heap)", 2)):
            values = [s[column] for s in after]
            lo, hi = min(values), max(values)
            first_minute = values[:6]
            last_minute = values[-6:]
            trend = (sum(last_minute) / len(last_minute)) / (sum(first_minute) / len(first_minute))
            print(f"{name} after the first {warmup} s ({len(values)} samples): min {lo / 1024:.1f} MiB, "
                  f"max {hi / 1024:.1f} MiB, max/min {hi / lo:.3f} (goal <= 1.10: "
                  f"{'met' if hi / lo <= 1.10 else 'MISSED'}); last minute / first minute {trend:.3f}")
        print(f"VmRSS at start {samples[0][1] / 1024:.1f} MiB, at the end {samples[-1][1] / 1024:.1f} MiB")
    print("VmRSS by minute (MiB): " + " ".join(f"{s[1] / 1024:.1f}" for s in samples if s[0] % 60 < 10))
    print("RssAnon by minute (MiB): " + " ".join(f"{s[2] / 1024:.1f}" for s in samples if s[0] % 60 < 10))


def main():
    what, args = sys.argv[1], sys.argv[2:]
    commands = {"log": log, "bad": bad, "slow": slow, "rss": rss, "report": report}
    if what not in commands:
        sys.exit(__doc__)
    commands[what](*args)


if __name__ == "__main__":
    main()
