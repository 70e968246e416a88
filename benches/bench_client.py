#!/usr/bin/env python3
"""Client side of the benchmarks (standard library only).

    bench_client.py setup BASE_URL ADMIN_TOKEN CAMPAIGN STARTS_ON ENDS_ON ORGS KEYS_FILE
        creates the campaign, ORGS organizations (org-0 ...), enrolls them, issues one key each
        and writes the keys to KEYS_FILE, one per line (line i = org-i).
    bench_client.py log BASE_URL CAMPAIGN KEYS_FILE BATCH_DIR
        sends every batch of BATCH_DIR/manifest.tsv in order over ONE keep-alive connection,
        each with its organization's key; bodies are read into memory first and only the loop is
        timed. Fails unless every response is 201 with every trip accepted. Prints
        `log trips=N seconds=S trips_per_s=R`.
    bench_client.py upload BASE_URL CAMPAIGN KEYS_FILE FILE CONTENT_TYPE ROWS [DRY_RUN]
        POSTs FILE as one upload with the first key (a dry run when DRY_RUN is 1); fails unless
        all ROWS trips are accepted. Prints `upload rows=N bytes=B seconds=S rows_per_s=R`.
    bench_client.py wrk FILE
        reads wrk output and prints `rps=... p50_ms=... non2xx=... requests=...` (exit 1 on socket
        errors or non-2xx responses).
    bench_client.py cputime PID
        prints the CPU seconds (user + system, all threads) the process has used so far.
"""

import http.client
import json
import os
import re
import sys
import time
import urllib.parse


def connect(base):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=600)


def call(conn, method, path, token, body=None, expect=(200, 201, 204)):
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    if resp.status not in expect:
        sys.exit(f"{method} {path}: HTTP {resp.status}: {raw[:500]!r}")
    return json.loads(raw) if raw else None


KINDS = ["enterprise", "institution", "social_organization", "community", "other"]


def setup(base, admin, campaign, starts_on, ends_on, orgs, keys_file):
    conn = connect(base)
    call(conn, "POST", "/v1/campaigns", admin, {
        "id": campaign,
        "name": "Benchmark Green Commuting Weeks",
        "description": "benchmark campaign",
        "region": "CN-BJ",
        "starts_on": starts_on,
        "ends_on": ends_on,
        "factor_set": "cn-2022",
        "baseline_mode": "car",
        "public": True,
    })
    keys = []
    for o in range(orgs):
        org = f"org-{o}"
        call(conn, "POST", "/v1/organizations", admin, {
            "id": org, "name": f"Organization {o}", "kind": KINDS[o % len(KINDS)],
            "city": "Beijing", "headcount": 5000,
        })
        call(conn, "PUT", f"/v1/campaigns/{campaign}/organizations/{org}", admin)
        keys.append(call(conn, "POST", f"/v1/organizations/{org}/keys", admin)["key"])
    with open(keys_file, "w") as f:
        f.write("\n".join(keys) + "\n")


def log(base, campaign, keys_file, batch_dir):
    with open(keys_file) as f:
        keys = [line.strip() for line in f if line.strip()]
    batches = []
    with open(os.path.join(batch_dir, "manifest.tsv")) as f:
        for line in f:
            if not line.strip():
                continue
            name, org, count = line.split("\t")
            with open(os.path.join(batch_dir, name), "rb") as body:
                batches.append((keys[int(org)], int(count), body.read()))
    path = f"/v1/campaigns/{campaign}/trips"
    conn = connect(base)
    total = 0
    started = time.perf_counter()
    for key, count, body in batches:
        conn.request("POST", path, body=body, headers={
            "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        # The response starts {"accepted":N,"duplicates":0,...}: a cheap check, no full parse.
        head = raw[:64]
        if resp.status != 201 or not head.startswith(b'{"accepted":%d,"duplicates":0,' % count):
            sys.exit(f"batch rejected: HTTP {resp.status}: {raw[:500]!r}")
        total += count
    seconds = time.perf_counter() - started
    print(f"log trips={total} seconds={seconds:.3f} trips_per_s={total / seconds:.0f}")


def upload(base, campaign, keys_file, path, content_type, rows, dry_run="0"):
    """One spreadsheet upload of `rows` new trips with the first key: rows/s and a check."""
    with open(keys_file) as f:
        key = f.readline().strip()
    with open(path, "rb") as f:
        body = f.read()
    query = "?dry_run=true" if dry_run == "1" else ""
    conn = connect(base)
    started = time.perf_counter()
    conn.request("POST", f"/v1/campaigns/{campaign}/trips{query}", body=body, headers={
        "Authorization": f"Bearer {key}", "Content-Type": content_type})
    resp = conn.getresponse()
    raw = resp.read()
    seconds = time.perf_counter() - started
    expected = 200 if query else 201
    if resp.status != expected or not raw.startswith(b'{"accepted":%d,"duplicates":0,' % int(rows)):
        sys.exit(f"upload rejected: HTTP {resp.status}: {raw[:500]!r}")
    print(f"upload rows={rows} bytes={len(body)} seconds={seconds:.3f} rows_per_s={int(rows) / seconds:.0f}")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_wrk(path):
    text = open(path).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    requests = re.search(r"(\d+) requests in", text)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    if not rps or not requests:
        sys.exit(f"cannot read wrk output {path}:\n{text}")
    p50_ms = float(p50.group(1)) * UNITS[p50.group(2)] if p50 else float("nan")
    n_bad = int(non2xx.group(1)) if non2xx else 0
    print(f"rps={float(rps.group(1)):.2f} p50_ms={p50_ms:.3f} non2xx={n_bad} requests={requests.group(1)}")
    if n_bad or errors:
        print(text, file=sys.stderr)
        sys.exit(1)


def cputime(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    ticks = int(fields[11]) + int(fields[12])
    print(f"{ticks / os.sysconf('SC_CLK_TCK'):.2f}")


def main():
    what, args = sys.argv[1], sys.argv[2:]
    if what == "setup":
        base, admin, campaign, starts_on, ends_on, orgs, keys_file = args
        setup(base, admin, campaign, starts_on, ends_on, int(orgs), keys_file)
    elif what == "log":
        log(*args)
    elif what == "upload":
        upload(*args)
    elif what == "wrk":
        parse_wrk(*args)
    elif what == "cputime":
        cputime(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
