#!/usr/bin/env python3
"""Validate the emission-factor sets in this folder (stdlib only).

Usage:
    python3 check.py                 # validate every *.json next to this script
    python3 check.py --table         # ... and print co2e_g_per_km per mode and set
    python3 check.py --table --region CN-BJ   # grid modes at a region (id or alias)
    python3 check.py path/to/dir-or-file.json ...

Prints "OK" (exit 0) or one line per error, "file: mode <id>: field: message"
(exit 1). The rules are documented in README.md next to this script.
"""
import ast
import json
import keyword
import math
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))

# Mode id -> max_distance_km; the order is the required order in every set.
REQUIRED_MODES = {
    "walk": 50, "bicycle": 150, "e_bike": 150, "e_scooter": 150, "motorcycle": 500,
    "bus": 300, "coach": 1000, "metro": 200, "light_rail": 200, "rail": 1500,
    "taxi": 500, "car": 1000, "car_petrol": 1000, "car_diesel": 1000, "car_hybrid": 1000,
    "car_plugin_hybrid": 1000, "car_electric": 1000, "telework": 500,
}
VEHICLE_KM_MODES = {"motorcycle", "car", "car_petrol", "car_diesel", "car_hybrid",
                    "car_plugin_hybrid", "car_electric"}
# Extra modes a set may define after the required ones (README §5): id -> (basis, max_distance_km).
# A set need not define them; one that does must use this basis and limit.
KNOWN_EXTRA_MODES = {
    "bus_electric": ("passenger_km", 300), "taxi_electric": ("passenger_km", 500),
    "taxi_pooled": ("passenger_km", 500), "shuttle": ("passenger_km", 300), "ferry": ("passenger_km", 200),
}

# The source that zero-by-convention modes (walk, bicycle, telework) cite; it carries no number.
CONVENTION_SOURCE = "operational-boundary-convention"

# Sets exempt from the provenance rules 14 and 15 (README §3), by id and the exact version that was
# exempted: changing such a set (and so its version) ends the exemption.
PROVENANCE_EXEMPT = {
    "cn-2022": ("2022.2",
                "kept byte-for-byte unchanged so that no campaign's results move; its inputs cite a source without "
                "an address (cn-provincial-inventory-guide) and five modes name a source that supplies none of their "
                "inputs (README §6.3); cn-2023 fixes both"),
}

TOP_REQUIRED = ["id", "version", "title", "region", "boundary", "gwp_basis",
                "default_baseline_mode", "description", "sources", "modes"]
TOP_OPTIONAL = ["grid_regions", "default_grid_region"]
SOURCE_KEYS = ["id", "title", "publisher", "year", "url"]
REGION_KEYS = ["id", "name", "level", "parent", "aliases", "co2e_g_per_kwh", "source", "note"]
MODE_REQUIRED = ["mode", "label", "aliases", "basis", "source", "quality", "derivation", "max_distance_km", "note"]
MODE_VALUE_KEYS = ["co2e_g_per_km", "grid_kwh_per_km", "fixed_g_per_km"]
DERIVATION_REQUIRED = ["formula", "inputs"]
DERIVATION_OPTIONAL = ["expression"]
INPUT_KEYS = ["name", "value", "unit", "source", "status", "note"]

BOUNDARIES = {"tank_to_wheel", "well_to_wheel"}
QUALITIES = {"published", "derived", "proxy"}
STATUSES = {"verified", "secondary", "assumption"}
LEVELS = {"national", "regional", "provincial"}
BASES = {"passenger_km", "vehicle_km"}

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MODE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
REGION_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
DESNZ_ROW = re.compile(r"\b\d{2}_\d{3}_\d{4}_\d+_\d+\b")

MAX_ALIAS_CHARS = 32
# normalize_name(): what the loader's factors::normalize_name does. Whitespace = Unicode White_Space
# (Rust's char::is_whitespace), brackets = ( ) （ ） [ ] 【 】.
WHITESPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)}
BRACKETS = set("()（）[]【】")

REL_TOL = 1e-9
MAX_G_PER_KM = 1000.0       # plausibility guard (catches kg/g slips)
MAX_KWH_PER_KM = 2.0
MAX_G_PER_KWH = 2000.0


class Report:
    def __init__(self):
        self.errors = []

    def err(self, fname, where, msg):
        self.errors.append(f"{fname}: {where}: {msg}" if where else f"{fname}: {msg}")


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def nonempty_str(x):
    return isinstance(x, str) and x.strip() != ""


def normalize_name(text):
    """Lowercase, without whitespace and brackets: how mode names (id, labels, aliases) are compared."""
    return "".join(c.lower() for c in text if c not in WHITESPACE and c not in BRACKETS)


def close(a, b):
    if b == 0:
        return abs(a) <= 1e-12
    return abs(a - b) <= REL_TOL * abs(b)


def no_dupes(pairs):
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"duplicate key(s) {dup}")
    return dict(pairs)


# ------------------------------------------------------------------ expressions
class ExprError(Exception):
    pass


def parse_expression(expr):
    """Parse a restricted arithmetic expression. Returns (tree, names used)."""
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError as e:
        raise ExprError(f"syntax error: {e.msg}")
    names = set()

    def walk(n, top):
        if isinstance(n, ast.Tuple) and top:
            for e in n.elts:
                walk(e, False)
        elif isinstance(n, ast.Constant) and is_num(n.value):
            pass
        elif isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            walk(n.operand, False)
        elif isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            walk(n.left, False)
            walk(n.right, False)
        else:
            raise ExprError(f"not allowed in an expression: {type(n).__name__}")

    walk(tree, True)
    return tree, names


def eval_tree(tree, env):
    def ev(n):
        if isinstance(n, ast.Constant):
            return float(n.value)
        if isinstance(n, ast.Name):
            return float(env[n.id])
        if isinstance(n, ast.UnaryOp):
            v = ev(n.operand)
            return -v if isinstance(n.op, ast.USub) else v
        a, b = ev(n.left), ev(n.right)
        if isinstance(n.op, ast.Add):
            return a + b
        if isinstance(n.op, ast.Sub):
            return a - b
        if isinstance(n.op, ast.Mult):
            return a * b
        if b == 0:
            raise ExprError("division by zero")
        return a / b

    if isinstance(tree, ast.Tuple):
        return tuple(ev(e) for e in tree.elts)
    return ev(tree)


# ------------------------------------------------------------------ checks
def check_keys(rep, fname, where, obj, required, optional=()):
    if not isinstance(obj, dict):
        rep.err(fname, where, "must be an object")
        return False
    for k in required:
        if k not in obj:
            rep.err(fname, where, f"missing field '{k}'")
    for k in obj:
        if k not in required and k not in optional:
            rep.err(fname, where, f"unknown field '{k}' (the loader rejects unknown fields)")
    return True


def check_sources(rep, fname, data):
    ids = set()
    srcs = data.get("sources")
    if not isinstance(srcs, list) or not srcs:
        rep.err(fname, "sources", "must be a non-empty list")
        return ids
    for i, s in enumerate(srcs):
        where = f"sources[{i}]"
        if not check_keys(rep, fname, where, s, SOURCE_KEYS):
            continue
        sid = s.get("id")
        where = f"source {sid!r}"
        if not isinstance(sid, str) or not SLUG.match(sid):
            rep.err(fname, where, "id: must be a slug [a-z0-9-]")
        elif sid in ids:
            rep.err(fname, where, "id: duplicate")
        else:
            ids.add(sid)
        for k in ("title", "publisher"):
            if not nonempty_str(s.get(k)):
                rep.err(fname, where, f"{k}: must be a non-empty string")
        y = s.get("year")
        if not (isinstance(y, int) and not isinstance(y, bool) and 1900 <= y <= 2100):
            rep.err(fname, where, "year: must be an integer year")
        u = s.get("url")
        if u is not None and not (isinstance(u, str) and re.match(r"^https?://\S+$", u)):
            rep.err(fname, where, "url: must be null or an http(s) URL without spaces")
    return ids


def check_regions(rep, fname, data, source_ids):
    """Returns {region id: region} (empty if absent)."""
    regions = data.get("grid_regions")
    if regions is None:
        if "default_grid_region" in data:
            rep.err(fname, "default_grid_region", "present but grid_regions is absent")
        return {}
    if not isinstance(regions, list) or not regions:
        rep.err(fname, "grid_regions", "must be a non-empty list")
        return {}
    by_id = {}
    for i, r in enumerate(regions):
        if not check_keys(rep, fname, f"grid_regions[{i}]", r, REGION_KEYS):
            continue
        rid = r.get("id")
        if not isinstance(rid, str) or not REGION_ID.match(rid):
            rep.err(fname, f"grid_regions[{i}]", "id: must match [A-Za-z][A-Za-z0-9-]*")
            continue
        if rid in by_id:
            rep.err(fname, f"region {rid}", "id: duplicate")
            continue
        by_id[rid] = r
    names_seen = {}  # casefolded name -> region id
    for rid in by_id:
        names_seen[rid.casefold()] = rid
    for rid, r in by_id.items():
        where = f"region {rid}"
        name = r.get("name")
        if not (isinstance(name, dict) and set(name) == {"en", "zh"}
                and nonempty_str(name.get("en")) and nonempty_str(name.get("zh"))):
            rep.err(fname, where, "name: must be {\"en\": ..., \"zh\": ...} with non-empty strings")
        level = r.get("level")
        if level not in LEVELS:
            rep.err(fname, where, f"level: must be one of {sorted(LEVELS)}")
        parent = r.get("parent")
        if level == "national":
            if parent is not None:
                rep.err(fname, where, "parent: must be null for the national region")
        elif level in ("regional", "provincial"):
            want = "national" if level == "regional" else "regional"
            p = by_id.get(parent) if isinstance(parent, str) else None
            if p is None:
                rep.err(fname, where, f"parent: {parent!r} is not a region id in this set")
            elif p.get("level") != want:
                rep.err(fname, where, f"parent: a {level} region's parent must be a {want} region, {parent!r} is {p.get('level')!r}")
        aliases = r.get("aliases")
        if not isinstance(aliases, list):
            rep.err(fname, where, "aliases: must be a list of strings")
        else:
            for a in aliases:
                if not nonempty_str(a) or a != a.strip():
                    rep.err(fname, where, f"aliases: {a!r} must be a non-empty string without surrounding spaces")
                    continue
                key = a.casefold()
                owner = names_seen.get(key)
                if owner is not None and owner != rid:
                    rep.err(fname, where, f"aliases: {a!r} collides (case-insensitively) with region {owner}")
                elif owner == rid and key != rid.casefold():
                    rep.err(fname, where, f"aliases: {a!r} is listed twice (case-insensitively)")
                else:
                    names_seen[key] = rid
        v = r.get("co2e_g_per_kwh")
        src = r.get("source")
        note = r.get("note")
        if note is not None and not nonempty_str(note):
            rep.err(fname, where, "note: must be null or a non-empty string")
        if v is None:
            if not nonempty_str(note):
                rep.err(fname, where, "note: required when co2e_g_per_kwh is null (say what it falls back to)")
            if src is not None and src not in source_ids:
                rep.err(fname, where, f"source: {src!r} is not in sources[]")
        else:
            if not is_num(v) or v <= 0 or v > MAX_G_PER_KWH:
                rep.err(fname, where, f"co2e_g_per_kwh: must be null or a number in (0, {MAX_G_PER_KWH}] g/kWh")
            if src not in source_ids:
                rep.err(fname, where, f"source: {src!r} must be a source id when co2e_g_per_kwh is given")
    nationals = [rid for rid, r in by_id.items() if r.get("level") == "national"]
    if len(nationals) != 1:
        rep.err(fname, "grid_regions", f"must contain exactly one national region, found {len(nationals)}")
    for rid in by_id:
        if resolve_factor(by_id, rid) is None:
            rep.err(fname, f"region {rid}", "co2e_g_per_kwh: null and no ancestor has a value (no fallback)")
    d = data.get("default_grid_region")
    if d is None:
        rep.err(fname, "default_grid_region", "required when grid_regions is present")
    elif d not in by_id:
        rep.err(fname, "default_grid_region", f"{d!r} is not a region id")
    elif not is_num(by_id[d].get("co2e_g_per_kwh")):
        rep.err(fname, "default_grid_region", f"{d!r} must have a non-null co2e_g_per_kwh")
    return by_id


def resolve_factor(by_id, rid):
    """Region's own factor, else its parent's, etc. None if the chain ends without one."""
    seen = set()
    while rid is not None and rid in by_id and rid not in seen:
        seen.add(rid)
        v = by_id[rid].get("co2e_g_per_kwh")
        if is_num(v):
            return float(v)
        rid = by_id[rid].get("parent")
    return None


def find_region(by_id, name):
    if name in by_id:
        return name
    key = name.casefold()
    for rid, r in by_id.items():
        if rid.casefold() == key or any(isinstance(a, str) and a.casefold() == key for a in r.get("aliases") or []):
            return rid
    return None


def check_mode(rep, fname, m, i, source_ids, has_regions):
    mid = m.get("mode") if isinstance(m, dict) else None
    where = f"mode {mid}" if isinstance(mid, str) else f"modes[{i}]"
    if not check_keys(rep, fname, where, m, MODE_REQUIRED, MODE_VALUE_KEYS + MODE_COBENEFIT_KEYS):
        return
    if not isinstance(mid, str) or not MODE_ID.match(mid):
        rep.err(fname, where, "mode: id must match [a-z][a-z0-9_]*")
    label = m.get("label")
    if not (isinstance(label, dict) and set(label) == {"en", "zh"}
            and nonempty_str(label.get("en")) and nonempty_str(label.get("zh"))):
        rep.err(fname, where, "label: must be {\"en\": ..., \"zh\": ...} with non-empty strings")
    aliases = m.get("aliases", [])  # missing: already reported by check_keys
    if not isinstance(aliases, list):
        rep.err(fname, where, "aliases: must be a list of strings (may be empty)")
    else:
        for j, a in enumerate(aliases):
            aw = f"aliases[{j}]"
            if not nonempty_str(a):
                rep.err(fname, where, f"{aw}: {a!r} must be a non-empty string")
            elif a != a.strip():
                rep.err(fname, where, f"{aw}: {a!r} must not start or end with spaces")
            elif len(a) > MAX_ALIAS_CHARS:
                rep.err(fname, where, f"{aw}: {a!r} is longer than {MAX_ALIAS_CHARS} characters")
            elif any(unicodedata.category(c) == "Cc" for c in a):
                rep.err(fname, where, f"{aw}: {a!r} contains a control character")
            elif normalize_name(a) == "":
                rep.err(fname, where, f"{aw}: {a!r} has nothing but spaces and brackets")
    basis = m.get("basis")
    if basis not in BASES:
        rep.err(fname, where, f"basis: must be one of {sorted(BASES)}")
    elif mid in REQUIRED_MODES or mid in KNOWN_EXTRA_MODES:
        if mid in REQUIRED_MODES:
            want = "vehicle_km" if mid in VEHICLE_KM_MODES else "passenger_km"
        else:
            want = KNOWN_EXTRA_MODES[mid][0]
        if basis != want:
            rep.err(fname, where, f"basis: must be {want!r} for {mid}")

    is_grid = "grid_kwh_per_km" in m
    has_fixed = "fixed_g_per_km" in m
    if is_grid == ("co2e_g_per_km" in m):
        rep.err(fname, where, "co2e_g_per_km / grid_kwh_per_km: exactly one of them must be given")
    if has_fixed and not is_grid:
        rep.err(fname, where, "fixed_g_per_km: only allowed together with grid_kwh_per_km")
    for k, lim in (("co2e_g_per_km", MAX_G_PER_KM), ("grid_kwh_per_km", MAX_KWH_PER_KM), ("fixed_g_per_km", MAX_G_PER_KM)):
        if k in m and (not is_num(m[k]) or m[k] < 0 or m[k] > lim):
            rep.err(fname, where, f"{k}: must be a number in [0, {lim}]")
    if is_grid and not has_regions:
        rep.err(fname, where, "grid_kwh_per_km: used but the set has no grid_regions")

    if m.get("source") not in source_ids:
        rep.err(fname, where, f"source: {m.get('source')!r} is not in sources[]")

    mx = m.get("max_distance_km")
    if not is_num(mx) or mx <= 0:
        rep.err(fname, where, "max_distance_km: must be a positive number")
    elif mid in REQUIRED_MODES and mx != REQUIRED_MODES[mid]:
        rep.err(fname, where, f"max_distance_km: must be {REQUIRED_MODES[mid]} for {mid}, found {mx}")
    elif mid in KNOWN_EXTRA_MODES and mx != KNOWN_EXTRA_MODES[mid][1]:
        rep.err(fname, where, f"max_distance_km: must be {KNOWN_EXTRA_MODES[mid][1]} for {mid}, found {mx}")

    note = m.get("note")
    if note is not None and not nonempty_str(note):
        rep.err(fname, where, "note: must be null or a non-empty string")

    q = m.get("quality")
    d = m.get("derivation")
    if q not in QUALITIES:
        rep.err(fname, where, f"quality: must be one of {sorted(QUALITIES)}")
        return
    if q == "published":
        if d is not None:
            rep.err(fname, where, "derivation: must be null for quality 'published'")
        if is_grid:
            rep.err(fname, where, "quality: a grid-computed value cannot be 'published' (use co2e_g_per_km as read from the source)")
        if not nonempty_str(note):
            rep.err(fname, where, "note: required for 'published' (identify the table/row the value was read from)")
        elif str(m.get("source", "")).startswith("desnz") and not DESNZ_ROW.search(note):
            rep.err(fname, where, "note: must contain the DESNZ row ID (e.g. 25_301_3074_4_1)")
        return
    # derived / proxy
    if q == "proxy" and not nonempty_str(note):
        rep.err(fname, where, "note: required for 'proxy' (reason, assumptions, uncertainty range)")
    if not isinstance(d, dict):
        rep.err(fname, where, f"derivation: required for quality {q!r}")
        return
    check_keys(rep, fname, f"{where}: derivation", d, DERIVATION_REQUIRED, DERIVATION_OPTIONAL)
    formula = d.get("formula")
    if not nonempty_str(formula):
        rep.err(fname, where, "derivation.formula: must be a non-empty string")
    elif is_grid:
        if "grid_kwh_per_km" not in formula:
            rep.err(fname, where, "derivation.formula: must show how grid_kwh_per_km is obtained (mention grid_kwh_per_km)")
        if has_fixed and "fixed_g_per_km" not in formula:
            rep.err(fname, where, "derivation.formula: must show how fixed_g_per_km is obtained (mention fixed_g_per_km)")
    inputs = d.get("inputs")
    env = {}
    assumptions = []
    if not isinstance(inputs, list):
        rep.err(fname, where, "derivation.inputs: must be a list")
        inputs = []
    for j, inp in enumerate(inputs):
        iw = f"{where}: derivation.inputs[{j}]"
        if not check_keys(rep, fname, iw, inp, INPUT_KEYS):
            continue
        name = inp.get("name")
        if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
            rep.err(fname, iw, "name: must be a Python identifier")
            continue
        iw = f"{where}: input {name}"
        if name in env:
            rep.err(fname, iw, "name: duplicate")
        if not is_num(inp.get("value")):
            rep.err(fname, iw, "value: must be a finite number")
        else:
            env[name] = inp["value"]
        if not nonempty_str(inp.get("unit")):
            rep.err(fname, iw, "unit: must be a non-empty string")
        src = inp.get("source")
        if src is not None and src not in source_ids:
            rep.err(fname, iw, f"source: {src!r} is not in sources[]")
        st = inp.get("status")
        if st not in STATUSES:
            rep.err(fname, iw, f"status: must be one of {sorted(STATUSES)}")
        inote = inp.get("note")
        if inote is not None and not nonempty_str(inote):
            rep.err(fname, iw, "note: must be null or a non-empty string")
        if src is None and not nonempty_str(inote):
            rep.err(fname, iw, "note: required when source is null (say where the number comes from)")
        if st == "assumption":
            assumptions.append(name)
            if not nonempty_str(inote):
                rep.err(fname, iw, "note: required for an assumption (say why / what it rests on)")
    if assumptions and q != "proxy":
        rep.err(fname, where, f"quality: must be 'proxy' because input(s) {assumptions} are assumptions")
    if assumptions and q == "proxy" and nonempty_str(note) and "assum" not in note.lower():
        rep.err(fname, where, f"note: must say which input is an assumption and why (inputs {assumptions})")

    expr = d.get("expression")
    if expr is None:
        rep.err(fname, where, "derivation.expression: required by check.py for derived/proxy modes")
        return
    if not nonempty_str(expr):
        rep.err(fname, where, "derivation.expression: must be a non-empty string")
        return
    try:
        tree, names = parse_expression(expr)
    except ExprError as e:
        rep.err(fname, where, f"derivation.expression: {e}")
        return
    unknown = sorted(names - set(env))
    if unknown:
        rep.err(fname, where, f"derivation.expression: unknown name(s) {unknown}")
        return
    unused = sorted(set(env) - names)
    if unused:
        rep.err(fname, where, f"derivation.inputs: input(s) {unused} not used in the expression")
    try:
        val = eval_tree(tree, env)
    except ExprError as e:
        rep.err(fname, where, f"derivation.expression: {e}")
        return
    if is_grid and has_fixed:
        if not (isinstance(val, tuple) and len(val) == 2):
            rep.err(fname, where, "derivation.expression: must be a pair '<grid_kwh_per_km expr>, <fixed_g_per_km expr>' when fixed_g_per_km is given")
            return
        targets = [("grid_kwh_per_km", val[0]), ("fixed_g_per_km", val[1])]
    else:
        if isinstance(val, tuple):
            rep.err(fname, where, "derivation.expression: a pair is only allowed for grid modes with fixed_g_per_km")
            return
        targets = [("grid_kwh_per_km" if is_grid else "co2e_g_per_km", val)]
    for field, computed in targets:
        stored = m.get(field)
        if is_num(stored) and not close(stored, computed):
            rep.err(fname, where, f"{field}: stored {stored!r} but the expression gives {computed!r}")


# ------------------------------------------------------------------ co-benefits: active, air
MODE_COBENEFIT_KEYS = ["active", "air"]
ACTIVE_KEYS = ["speed_kmh", "met", "source", "note"]
AIR_KEYS = ["basis", "nox_mg_per_km", "pm25_mg_per_km", "source", "quality", "derivation", "note"]
AIR_DERIVATION_KEYS = ["formula", "inputs", "nox_expression", "pm25_expression"]
AIR_TARGETS = (("nox_expression", "nox_mg_per_km"), ("pm25_expression", "pm25_mg_per_km"))
ACTIVE_SPEED_KMH = (1.0, 40.0)   # the loader's limits
ACTIVE_MET = (1.0, 15.0)
MAX_NOX_MG_PER_KM = 20000.0
MAX_PM25_MG_PER_KM = 2000.0
# Modes without exhaust (no engine, electric traction, or no trip): `air` must be 0/0 if given.
# light_rail is not listed: a set may have diesel light rail.
ZERO_TAILPIPE_MODES = {"walk", "bicycle", "telework", "e_bike", "e_scooter", "metro", "car_electric",
                       "bus_electric", "taxi_electric"}


def check_cobenefits(rep, fname, m, i, source_ids):
    """The optional co-benefit parameters of one mode: `active` and `air` (README §2.6, §2.7)."""
    if not isinstance(m, dict):
        return
    mid = m.get("mode")
    where = f"mode {mid}" if isinstance(mid, str) else f"modes[{i}]"
    if "active" in m:
        check_active(rep, fname, where, m["active"], source_ids)
    if "air" in m:
        check_air(rep, fname, where, m, source_ids)


def check_active(rep, fname, where, a, source_ids):
    """Default speed and MET value of an active mode."""
    where = f"{where}: active"
    if not check_keys(rep, fname, where, a, ACTIVE_KEYS):
        return
    lo, hi = ACTIVE_SPEED_KMH
    v = a.get("speed_kmh")
    if not is_num(v) or not lo <= v <= hi:
        rep.err(fname, where, f"speed_kmh: must be a number in [{lo}, {hi}] km/h")
    lo, hi = ACTIVE_MET
    v = a.get("met")
    if not is_num(v) or not lo <= v <= hi:
        rep.err(fname, where, f"met: must be a number in [{lo}, {hi}] METs")
    elif abs(v * 10 - round(v * 10)) > 1e-6:
        rep.err(fname, where, f"met: {v!r} has more than one decimal (the loader holds tenths of a MET)")
    if a.get("source") not in source_ids:
        rep.err(fname, where, f"source: {a.get('source')!r} is not in sources[]")
    note = a.get("note")
    if note is not None and not nonempty_str(note):
        rep.err(fname, where, "note: must be null or a non-empty string")


def check_inputs(rep, fname, where, inputs, source_ids):
    """Derivation inputs (README §2.5). Returns ({name: value}, [names of assumption inputs])."""
    env = {}
    assumptions = []
    if not isinstance(inputs, list):
        rep.err(fname, where, "derivation.inputs: must be a list")
        return env, assumptions
    for j, inp in enumerate(inputs):
        iw = f"{where}: derivation.inputs[{j}]"
        if not check_keys(rep, fname, iw, inp, INPUT_KEYS):
            continue
        name = inp.get("name")
        if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
            rep.err(fname, iw, "name: must be a Python identifier")
            continue
        iw = f"{where}: input {name}"
        if name in env:
            rep.err(fname, iw, "name: duplicate")
        if not is_num(inp.get("value")):
            rep.err(fname, iw, "value: must be a finite number")
        else:
            env[name] = inp["value"]
        if not nonempty_str(inp.get("unit")):
            rep.err(fname, iw, "unit: must be a non-empty string")
        src = inp.get("source")
        if src is not None and src not in source_ids:
            rep.err(fname, iw, f"source: {src!r} is not in sources[]")
        st = inp.get("status")
        if st not in STATUSES:
            rep.err(fname, iw, f"status: must be one of {sorted(STATUSES)}")
        inote = inp.get("note")
        if inote is not None and not nonempty_str(inote):
            rep.err(fname, iw, "note: must be null or a non-empty string")
        if src is None and not nonempty_str(inote):
            rep.err(fname, iw, "note: required when source is null (say where the number comes from)")
        if st == "assumption":
            assumptions.append(name)
            if not nonempty_str(inote):
                rep.err(fname, iw, "note: required for an assumption (say why / what it rests on)")
    return env, assumptions


def check_air(rep, fname, where, m, source_ids):
    """Tailpipe NOx and PM2.5 of a mode: shape, ranges, basis, quality rules, and every derived
    value re-computed from its inputs through nox_expression / pm25_expression."""
    a = m["air"]
    mid = m.get("mode")
    where = f"{where}: air"
    if not check_keys(rep, fname, where, a, AIR_KEYS):
        return
    basis = a.get("basis")
    if basis not in BASES:
        rep.err(fname, where, f"basis: must be one of {sorted(BASES)}")
    elif basis != m.get("basis"):
        rep.err(fname, where, f"basis: must be the mode's basis {m.get('basis')!r}, found {basis!r}")
    values = {}
    for field, lim in (("nox_mg_per_km", MAX_NOX_MG_PER_KM), ("pm25_mg_per_km", MAX_PM25_MG_PER_KM)):
        v = a.get(field)
        if not is_num(v) or v < 0 or v > lim:
            rep.err(fname, where, f"{field}: must be a number in [0, {lim}] mg per km")
        else:
            values[field] = v
    if mid in ZERO_TAILPIPE_MODES and any(v != 0 for v in values.values()):
        rep.err(fname, where, f"{mid} has no exhaust: nox_mg_per_km and pm25_mg_per_km must be 0 "
                "(power-plant and non-exhaust emissions are outside the tailpipe boundary)")
    if a.get("source") not in source_ids:
        rep.err(fname, where, f"source: {a.get('source')!r} is not in sources[]")
    note = a.get("note")
    if note is not None and not nonempty_str(note):
        rep.err(fname, where, "note: must be null or a non-empty string")

    q = a.get("quality")
    d = a.get("derivation")
    if q not in QUALITIES:
        rep.err(fname, where, f"quality: must be one of {sorted(QUALITIES)}")
        return
    per_passenger = basis == "passenger_km" and any(v != 0 for v in values.values())
    if q == "published":
        if d is not None:
            rep.err(fname, where, "derivation: must be null for quality 'published'")
        if not nonempty_str(note):
            rep.err(fname, where, "note: required for 'published' (identify the table/row the values were read from)")
        if per_passenger:
            rep.err(fname, where, "quality: a non-zero value per passenger-km must be derived, with the occupancy as an input")
        return
    if q == "proxy" and not nonempty_str(note):
        rep.err(fname, where, "note: required for 'proxy' (reason, assumptions, uncertainty range)")
    if not isinstance(d, dict):
        rep.err(fname, where, f"derivation: required for quality {q!r}")
        return
    check_keys(rep, fname, f"{where}: derivation", d, AIR_DERIVATION_KEYS)
    if not nonempty_str(d.get("formula")):
        rep.err(fname, where, "derivation.formula: must be a non-empty string")
    env, assumptions = check_inputs(rep, fname, where, d.get("inputs"), source_ids)
    if assumptions and q != "proxy":
        rep.err(fname, where, f"quality: must be 'proxy' because input(s) {assumptions} are assumptions")
    if assumptions and q == "proxy" and nonempty_str(note) and "assum" not in note.lower():
        rep.err(fname, where, f"note: must say which input is an assumption and why (inputs {assumptions})")
    if per_passenger and isinstance(d.get("inputs"), list) and not any(
            isinstance(inp, dict) and "passenger" in str(inp.get("unit", "")).lower() for inp in d["inputs"]):
        rep.err(fname, where, "derivation.inputs: a value per passenger-km must show the occupancy used "
                "(an input whose unit names passengers)")

    used = set()
    results = {}
    for expr_key, field in AIR_TARGETS:
        expr = d.get(expr_key)
        if not nonempty_str(expr):
            rep.err(fname, where, f"derivation.{expr_key}: required by check.py for derived/proxy values")
            continue
        try:
            tree, names = parse_expression(expr)
        except ExprError as e:
            rep.err(fname, where, f"derivation.{expr_key}: {e}")
            continue
        if isinstance(tree, ast.Tuple):
            rep.err(fname, where, f"derivation.{expr_key}: must give one number, not a tuple")
            continue
        used |= names
        unknown = sorted(names - set(env))
        if unknown:
            rep.err(fname, where, f"derivation.{expr_key}: unknown name(s) {unknown}")
            continue
        try:
            results[field] = eval_tree(tree, env)
        except ExprError as e:
            rep.err(fname, where, f"derivation.{expr_key}: {e}")
    unused = sorted(set(env) - used)
    if unused:
        rep.err(fname, where, f"derivation.inputs: input(s) {unused} not used in nox_expression or pm25_expression")
    for field, computed in results.items():
        stored = values.get(field)
        if stored is not None and not close(stored, computed):
            rep.err(fname, where, f"{field}: stored {stored!r} but the expression gives {computed!r}")


def print_cobenefit_table(sets):
    """`active` and `air` of every mode and set (after the co2e table)."""
    names = sorted(sets)
    q = {"published": "pub", "derived": "der", "proxy": "prx"}
    print()
    print("active: km/h, MET | air: NOx mg/km, PM2.5 mg/km per km of the mode's basis (- = not given)")
    for n in names:
        print(f"{n}:")
        for m in sets[n]["modes"]:
            act = m.get("active")
            air = m.get("air")
            if act is None and air is None:
                continue
            a = f"{act['speed_kmh']:g} km/h, {act['met']:g} MET" if act else "-"
            b = (f"{air['nox_mg_per_km']:.3f}, {air['pm25_mg_per_km']:.4f} {q.get(air['quality'], '?')}"
                 if air else "-")
            print(f"  {m['mode']:<20} {a:<24} {b}")


def check_mode_names(rep, fname, modes):
    """Every name of a mode (id, label.en, label.zh, aliases), compared through normalize_name,
    must find that mode only: an alias may not repeat another alias of the set, nor another
    mode's id or labels; an id or label may not equal another mode's id or label."""
    fixed = []  # (mode index, mode id, field, normalized name)
    for i, m in enumerate(modes):
        if not isinstance(m, dict) or not isinstance(m.get("mode"), str):
            continue
        label = m.get("label") if isinstance(m.get("label"), dict) else {}
        for field, value in (("id", m["mode"]), ("label.en", label.get("en")), ("label.zh", label.get("zh"))):
            if isinstance(value, str):
                fixed.append((i, m["mode"], field, normalize_name(value)))
    seen_fixed = {}
    for i, mid, field, key in fixed:
        owner = seen_fixed.get(key)
        if owner is not None and owner[0] != i:
            rep.err(fname, f"mode {mid}", f"{field}: names mode {owner[1]} too (its {owner[2]}; "
                    "names are compared without case, spaces or brackets)")
        else:
            seen_fixed.setdefault(key, (i, mid, field))
    alias_owner = {}  # normalized alias -> (mode index, mode id, alias)
    for i, m in enumerate(modes):
        if not isinstance(m, dict) or not isinstance(m.get("aliases"), list):
            continue
        mid = m.get("mode")
        for j, a in enumerate(m["aliases"]):
            if not nonempty_str(a):
                continue
            key = normalize_name(a)
            where = f"mode {mid}"
            clash = next(((k, other, field) for k, other, field, name in fixed if name == key and k != i), None)
            if clash is not None:
                rep.err(fname, where, f"aliases[{j}]: {a!r} is the {clash[2]} of mode {clash[1]}; "
                        "an alias must name one mode only")
                continue
            owner = alias_owner.get(key)
            if owner is None:
                alias_owner[key] = (i, mid, a)
            elif owner[0] == i:
                rep.err(fname, where, f"aliases[{j}]: {a!r} repeats {owner[2]!r} "
                        "(names are compared without case, spaces or brackets)")
            else:
                rep.err(fname, where, f"aliases[{j}]: {a!r} is also an alias of mode {owner[1]} "
                        f"({owner[2]!r}); an alias must name one mode only")


def check_provenance(rep, fname, data):
    """Rules 12 and 13 (README §3): every number can be traced to an address, and a mode's
    `source` supplies at least one of its inputs."""
    exempt = PROVENANCE_EXEMPT.get(data.get("id"))
    if exempt is not None and data.get("version") == exempt[0]:
        return
    urls = {s.get("id"): s.get("url") for s in data.get("sources") or [] if isinstance(s, dict)}
    for i, m in enumerate(data.get("modes") or []):
        if not isinstance(m, dict):
            continue
        mid = m.get("mode")
        where = f"mode {mid}" if isinstance(mid, str) else f"modes[{i}]"
        msrc = m.get("source")
        d = m.get("derivation")
        inputs = d.get("inputs") if isinstance(d, dict) and isinstance(d.get("inputs"), list) else []
        input_sources = set()
        for inp in inputs:
            if not isinstance(inp, dict):
                continue
            iw = f"{where}: input {inp.get('name')}"
            isrc = inp.get("source")
            if isrc is None:
                if inp.get("status") != "assumption":
                    rep.err(fname, iw, "status: an input without a source must be an 'assumption' "
                            "(a number we cannot point to is not verified or secondary)")
                if not nonempty_str(inp.get("note")):
                    rep.err(fname, iw, "note: required for an input without a source")
            else:
                input_sources.add(isrc)
                if isrc in urls and urls[isrc] is None:
                    rep.err(fname, iw, f"source: {isrc!r} has no url; an input's source must say where the number was read "
                            "(otherwise make the input an assumption with a note)")
        if msrc not in urls:
            continue  # reported by check_mode
        q = m.get("quality")
        if q == "published":
            if urls[msrc] is None:
                rep.err(fname, where, f"source: {msrc!r} has no url; a published value must say where it was read")
            continue
        if not inputs:
            if msrc != CONVENTION_SOURCE:
                rep.err(fname, where, f"source: a mode without inputs is zero by convention and cites {CONVENTION_SOURCE!r}")
            if any(is_num(m.get(k)) and m.get(k) != 0 for k in ("co2e_g_per_km", "grid_kwh_per_km", "fixed_g_per_km")):
                rep.err(fname, where, "derivation.inputs: a non-zero value needs its inputs")
        elif msrc not in input_sources:
            rep.err(fname, where, f"source: {msrc!r} supplies none of the mode's inputs; name the source of at least one "
                    f"input ({', '.join(sorted(input_sources)) or 'none has a source'})")


def check_file(rep, path):
    fname = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        rep.err(fname, "", "not valid UTF-8")
        return None
    try:
        data = json.loads(text, object_pairs_hook=no_dupes)
    except ValueError as e:
        rep.err(fname, "", f"invalid JSON: {e}")
        return None
    if not isinstance(data, dict):
        rep.err(fname, "", "top level must be an object")
        return None
    canonical = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if text != canonical:
        rep.err(fname, "", "formatting: not canonical (2-space indent, UTF-8 characters unescaped, trailing newline); "
                "rewrite with json.dumps(obj, indent=2, ensure_ascii=False) + '\\n'")
    check_keys(rep, fname, "", data, TOP_REQUIRED, TOP_OPTIONAL)
    stem = fname[:-5]
    sid = data.get("id")
    if not isinstance(sid, str) or not SLUG.match(sid):
        rep.err(fname, "id", "must be a slug [a-z0-9-]")
    elif sid != stem:
        rep.err(fname, "id", f"{sid!r} must equal the file name without .json ({stem!r})")
    for k in ("version", "title", "gwp_basis", "description"):
        if not nonempty_str(data.get(k)):
            rep.err(fname, k, "must be a non-empty string")
    if not (isinstance(data.get("region"), str) and re.match(r"^[A-Z]{2}$", data["region"])):
        rep.err(fname, "region", "must be an ISO 3166-1 alpha-2 code, e.g. 'CN' or 'GB'")
    if data.get("boundary") not in BOUNDARIES:
        rep.err(fname, "boundary", f"must be one of {sorted(BOUNDARIES)}")

    source_ids = check_sources(rep, fname, data)
    regions = check_regions(rep, fname, data, source_ids)

    modes = data.get("modes")
    if not isinstance(modes, list) or not modes:
        rep.err(fname, "modes", "must be a non-empty list")
        return data
    ids = []
    for i, m in enumerate(modes):
        check_mode(rep, fname, m, i, source_ids, bool(regions))
        check_cobenefits(rep, fname, m, i, source_ids)
        if isinstance(m, dict):
            ids.append(m.get("mode"))
    dups = sorted({x for x in ids if isinstance(x, str) and ids.count(x) > 1})
    if dups:
        rep.err(fname, "modes", f"duplicate mode id(s) {dups}")
    check_mode_names(rep, fname, modes)
    check_provenance(rep, fname, data)
    missing = [x for x in REQUIRED_MODES if x not in ids]
    if missing:
        rep.err(fname, "modes", f"missing required mode(s) {missing}")
    order = [x for x in ids if x in REQUIRED_MODES]
    if not missing and not dups and order != list(REQUIRED_MODES):
        rep.err(fname, "modes", f"required modes must be in the order {list(REQUIRED_MODES)}")
    if any(x not in REQUIRED_MODES for x in ids[:len(REQUIRED_MODES)]) and not missing:
        rep.err(fname, "modes", "extra modes must come after the required ones")
    if data.get("default_baseline_mode") not in ids:
        rep.err(fname, "default_baseline_mode", f"{data.get('default_baseline_mode')!r} is not a mode of this set")
    if "grid_regions" in data and not any(isinstance(m, dict) and "grid_kwh_per_km" in m for m in modes):
        rep.err(fname, "grid_regions", "present but no mode uses grid_kwh_per_km")
    return data


def mode_value(data, m, region_name=None):
    """co2e_g_per_km of a mode; grid modes at region_name (or the default region)."""
    if "co2e_g_per_km" in m:
        return float(m["co2e_g_per_km"]), None
    by_id = {r["id"]: r for r in data.get("grid_regions", [])}
    rid = None
    if region_name is not None:
        rid = find_region(by_id, region_name)
    if rid is None:
        rid = data.get("default_grid_region")
    factor = resolve_factor(by_id, rid)
    return float(m.get("fixed_g_per_km", 0.0)) + float(m["grid_kwh_per_km"]) * factor, rid


def print_table(sets, region_name):
    names = sorted(sets)
    mode_ids = []
    for n in names:
        for m in sets[n]["modes"]:
            if m["mode"] not in mode_ids:
                mode_ids.append(m["mode"])
    q = {"published": "pub", "derived": "der", "proxy": "prx"}
    w = max(len(x) for x in mode_ids)
    colw = max(22, max(len(n) for n in names) + 2)
    print()
    print("co2e_g_per_km (g per km of the mode's basis: vehicle-km for cars/motorcycle, passenger-km otherwise)")
    print("mode".ljust(w) + "  basis".ljust(8) + "".join(n.rjust(colw) for n in names))
    for mid in mode_ids:
        basis = ""
        cells = []
        for n in names:
            m = next((x for x in sets[n]["modes"] if x["mode"] == mid), None)
            if m is None:
                cells.append("-".rjust(colw))
                continue
            basis = "vkm" if m["basis"] == "vehicle_km" else "pkm"
            v, rid = mode_value(sets[n], m, region_name)
            tag = q[m["quality"]] + ("*" if rid else " ")
            cells.append(f"{v:.3f} {tag}".rjust(colw))
        print(mid.ljust(w) + f"  {basis}".ljust(8) + "".join(cells))
    print("pub = published, der = derived, prx = proxy; * = grid_kwh_per_km x region factor (+ fixed part)")
    for n in names:
        d = sets[n]
        if d.get("grid_regions"):
            by_id = {r["id"]: r for r in d["grid_regions"]}
            rid = (find_region(by_id, region_name) if region_name else None) or d.get("default_grid_region")
            print(f"{n}: grid region {rid} = {resolve_factor(by_id, rid)} g/kWh")


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    table = "--table" in argv
    region_name = None
    if "--region" in argv:
        i = argv.index("--region")
        if i + 1 >= len(argv):
            print("--region needs a region id or alias", file=sys.stderr)
            return 2
        region_name = argv[i + 1]
        args = [a for a in args if a != region_name]
    paths = []
    for a in (args or [HERE]):
        if os.path.isdir(a):
            paths += [os.path.join(a, f) for f in sorted(os.listdir(a)) if f.endswith(".json")]
        else:
            paths.append(a)
    rep = Report()
    if not paths:
        rep.err(args[0] if args else HERE, "", "no *.json files found")
    sets = {}
    for p in paths:
        data = check_file(rep, p)
        if data is not None:
            sets[os.path.basename(p)[:-5]] = data
    if rep.errors:
        for e in rep.errors:
            print(e)
        print(f"{len(rep.errors)} error(s)")
        return 1
    print(f"OK ({len(paths)} file(s): {', '.join(sorted(sets))})")
    if table:
        print_table(sets, region_name)
        print_cobenefit_table(sets)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
