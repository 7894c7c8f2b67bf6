"""Sections of docs/benchmarks.md from bench/results/*.json: the queue on PostgreSQL beside
SQLite and against procrastinate, and the capacity of one host (bench/run_all.py writes
them between their markers)."""

from __future__ import annotations

import json
from typing import Any

from bench.common import PG_OPTIONS, RESULTS


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _n(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None else f"{x:,.{digits}f}"


def _per_s(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}/s"


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or not b else f"{a / b:.2f}"


def _machine(results: list[dict[str, Any] | None]) -> list[str]:
    found = [r for r in results if r]
    if not found:
        return []
    m = next((r["machine"] for r in found if "postgresql" in r["machine"]), found[0]["machine"])
    dates = sorted(r["date"] for r in found)
    pg = m.get("postgresql", "n/a")
    settings = ", ".join(f"{k}={v}" for k, v in PG_OPTIONS.items())
    return [
        f"Measured {dates[0]} to {dates[-1]} (UTC) on:",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_gib']} GiB",
        f"- Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {pg} ({settings}); "
        f"{m['platform']}",
        "- one machine: load generator, server, PostgreSQL (TCP on 127.0.0.1)"
        " and benchmark share its cores, and other work on the machine was not stopped (each"
        " benchmark waits for it to be quiet first; see the busy shares below)",
        "",
    ]


def _dispatch_rows(disp: dict[str, Any] | None) -> dict[tuple[str, int], dict[str, Any]]:
    if not disp:
        return {}
    return {(s["kind"], s["pending_backlog"]): s for s in disp["scenarios"]}


def render_pg() -> str:
    """The PostgreSQL section (empty when no PostgreSQL result exists)."""
    enq_pg, drain_pg, disp_pg = (
        _load(f"{n}-postgresql") for n in ("enqueue_http", "drain", "dispatch")
    )
    enq, drain, disp = (_load(n) for n in ("enqueue_http", "drain", "dispatch"))
    proc = _load("procrastinate_compare")
    if not (enq_pg or drain_pg or disp_pg or proc):
        return ""
    lines = [
        "## PostgreSQL: the queue beside SQLite, and against procrastinate",
        "",
        *_machine([enq_pg, drain_pg, disp_pg, proc]),
        "Same scripts, same figures as the SQLite section above (`BENCH_BACKEND=postgresql`);"
        " PostgreSQL is a local server as durable as our SQLite (WAL with synchronous=NORMAL:"
        " a crash may lose the last commits, never corrupts).",
        "",
        "| figure | SQLite | PostgreSQL | PostgreSQL / SQLite |",
        "|---|---|---|---|",
    ]
    if enq or enq_pg:
        a = enq["figure"]["value"] if enq else None
        b = enq_pg["figure"]["value"] if enq_pg else None
        lines.append(
            f"| enqueue over HTTP (POST /runs, wrk, best of 16/64 conns) | {_per_s(a)} | "
            f"{_per_s(b)} | {_ratio(b, a)} |"
        )
    if drain or drain_pg:
        a = drain["figure"]["value"] if drain else None
        b = drain_pg["figure"]["value"] if drain_pg else None
        runs = (drain_pg or drain or {}).get("runs", 0)
        lines.append(
            f"| drain, no-op, {runs:,} runs / 50 accounts | {_per_s(a)} | {_per_s(b)} | "
            f"{_ratio(b, a)} |"
        )
    for procs in (1, 2, 4):
        a, b = _load(f"drain-{procs}proc"), _load(f"drain-postgresql-{procs}proc")
        if a or b:
            va = a["figure"]["value"] if a else None
            vb = b["figure"]["value"] if b else None
            lines.append(
                f"| drain by {procs} `worker` process{'es' if procs > 1 else ''} (no-op"
                f" touchpoint) | {_per_s(va)} | {_per_s(vb)} | {_ratio(vb, va)} |"
            )
    rows, rows_pg = _dispatch_rows(disp), _dispatch_rows(disp_pg)
    for key in sorted(set(rows) | set(rows_pg)):
        s, t = rows.get(key), rows_pg.get(key)

        def cell(x: dict[str, Any] | None) -> str:
            c = (x or {}).get("created_to_started") or {}
            return f"{c.get('p50_ms', 'n/a')} / {c.get('p99_ms', 'n/a')} ms"

        p99 = ((s or {}).get("created_to_started") or {}).get("p99_ms")
        p99_pg = ((t or {}).get("created_to_started") or {}).get("p99_ms")
        lines.append(
            f"| dispatch p50 / p99, {key[0]} backlog, {key[1]:,} pending | {cell(s)} | "
            f"{cell(t)} | {_ratio(p99_pg, p99)} (p99) |"
        )
    for key in sorted(set(rows) | set(rows_pg)):
        s, t = rows.get(key), rows_pg.get(key)
        a = ((s or {}).get("client_post_response") or {}).get("p50_ms")
        b = ((t or {}).get("client_post_response") or {}).get("p50_ms")
        lines.append(
            f"| POST /runs p50 (one client), {key[0]} backlog, {key[1]:,} pending | "
            f"{_n(a, 2)} ms | {_n(b, 2)} ms | {_ratio(b, a)} |"
        )
    lines.append("")
    cpu_lines = []
    if enq_pg:
        for level in enq_pg["levels"]:
            if "machine_busy_pct" in level:
                cpu_lines.append(
                    f"| enqueue, {level['connections']} conns | {level['server_cpu_pct']} % | "
                    f"{level['postgres_cpu_pct_of_core']} % | {level['machine_busy_pct']} % |"
                )
    if drain_pg and drain_pg.get("cpu"):
        c = drain_pg["cpu"]
        cpu_lines.append(
            f"| drain (executor in the bench process) | n/a | "
            f"{c['postgres_cpu_pct_of_core']} % | {c['machine_busy_pct']} % |"
        )
    for procs in (1, 2, 4):
        r = _load(f"drain-postgresql-{procs}proc")
        if r and r.get("cpu"):
            c = r["cpu"]
            cpu_lines.append(
                f"| drain by {procs} worker process(es) | n/a | "
                f"{c['postgres_cpu_pct_of_core']} % | {c['machine_busy_pct']} % |"
            )
    if cpu_lines:
        lines += [
            "Where the CPU went on PostgreSQL (server process, PostgreSQL's processes, in % of"
            " one core; the machine's busy share of all its cores, other work included):",
            "",
            "| phase | server | PostgreSQL | machine busy |",
            "|---|---|---|---|",
            *cpu_lines,
            "",
        ]
    if proc:
        lines += [
            f"### Against procrastinate {proc['procrastinate_version']} (same PostgreSQL settings)",
            "",
            "Ratio = ours / procrastinate's: for throughputs higher is better for us, for"
            " latencies lower is better for us. procrastinate's drain ran "
            f"{proc['drain'][0]['jobs']:,} jobs (concurrency {proc['drain'][0]['concurrency']}).",
            "",
            "| figure | ours | procrastinate | ours / procrastinate | better |",
            "|---|---|---|---|---|",
        ]
        labels = {
            "enqueue_in_process": "enqueue, in-process (run port + NOTIFY vs defer)",
            "enqueue_http_vs_procrastinate_in_process": "enqueue, ours over HTTP vs its"
            " in-process defer",
            "drain": "drain, no-op (its jobs without lock)",
            "drain_locked": "drain, no-op (its jobs over 50 locks)",
        }
        for key, r in proc["ratios"].items():
            label = labels.get(key)
            unit = "/s"
            if label is None:
                _, _, kind, size = key.split("_", 3)
                label = (
                    f"dispatch p99, {int(size):,} pending (our {kind} backlog vs its "
                    f"{r.get('theirs_backlog')} jobs)"
                )
                unit = " ms"
            lines.append(
                f"| {label} | {_n(r['ours'], 1)}{unit} | {_n(r['procrastinate'], 1)}{unit} | "
                f"{r['ratio']} | {r['better']} |"
            )
        lines += [
            "",
            "procrastinate's dispatch latency (defer -> task start, LISTEN/NOTIFY worker,"
            " concurrency 1):",
            "",
            "| backlog | pending | its empty fetch ms | n | p50 ms | p99 ms | waited for its 5 s"
            " poll |",
            "|---|---|---|---|---|---|---|",
        ]
        for d in proc["dispatch"]:
            lat = d["enqueue_to_start"] or {}
            lines.append(
                f"| {d['kind']} | {d['backlog']:,} | {d['empty_fetch_ms']} | {lat.get('n')} | "
                f"{lat.get('p50_ms')} | {lat.get('p99_ms')} | {d.get('waited_for_poll', 'n/a')} |"
            )
        lines.append("")
    lines += [
        "How each figure is taken: `bench/README.md`. Findings: *PostgreSQL findings* below"
        " (by hand).",
        "",
    ]
    return "\n".join(lines)


def render_capacity() -> str:
    """The capacity section (empty without bench/results/capacity.json)."""
    cap = _load("capacity")
    if not cap:
        return ""
    m = cap["machine"]
    lines = [
        "## Capacity of one host (accounts per host, real Chromium)",
        "",
        f"Measured {cap['date']} (UTC) with `.venv/bin/python -m bench.capacity` on: {m['cpu']},"
        f" {m['cores']} cores, RAM {m['ram_gib']} GiB; Python {m['python']}; Debian Chromium."
        " The simulator runs on the same cores (its CPU is listed apart: on a real host it is"
        " LinkedIn's).",
        "",
        f"Load: {cap['rate_per_account_per_min']} runs per account per minute, open loop, evenly"
        f" spread, mix {', '.join(cap['mix'])}; OO_PACE=fast, caps off, OO_MAX_SESSIONS as listed;"
        f" {cap['warmup_s']:.0f} s of load, then {cap['duration_s']:.0f} s measured.",
        "",
        "Offered = the target rate; posted = what the load generator managed to post in the"
        " window (it slows down when the machine is saturated, as a client would not).",
        "",
        "| accounts | sessions | offered / posted /min | completed /min |"
        " dispatch wait p50 / p99 ms | run p50 / p99 ms |"
        " CPU server / Chromium / simulator (% of a core) | machine busy (before) |"
        " PSS server+Chromium | PSS per account | pending / running at end | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in cap["points"]:
        d = p["dispatch_wait"] or {}
        r = p["run_duration"] or {}
        c = p["cpu_pct_of_core"]
        posted = 60 * p["posted_in_window"] / cap["duration_s"]
        lines.append(
            f"| {p['accounts']} | {p['max_sessions']} | {p['offered_per_min']} / {posted:.0f} | "
            f"{p['completed_per_min']} | {d.get('p50_ms')} / {d.get('p99_ms')} | "
            f"{r.get('p50_ms')} / {r.get('p99_ms')} | "
            f"{c['server_python']} / {c['chromium_and_driver']} / {c['simulator']} | "
            f"{p['machine_busy_pct']} % ({p.get('machine_busy_before_pct', 'n/a')} %) | "
            f"{p['pss_mb_server_and_chromium']:,.0f} MB | "
            f"{p['pss_mb_server_and_chromium'] / p['accounts']:.0f} MB | "
            f"{p.get('pending_at_end', 'n/a')} / {p.get('running_at_end', 'n/a')} | "
            f"{p['failed_in_window']} |"
        )
    lines += ["", "What it means for a deployment: *Capacity findings* below (by hand).", ""]
    return "\n".join(lines)
