#!/usr/bin/env python3
"""tests/bench/run_bench.py - `make bench`: Labyrinth's allocator measured beside the bare
free list and the bitmap allocator, in one run, on the host and in the kernel.

Host:   build/bench/host_bench (mm/ at -O2 on fake memory of 1 GiB and 16 GiB), timed with the
        TSC (cycles, and ns), and under `valgrind --tool=callgrind` (instructions per operation).
Kernel: the kernel booted with `bench` under QEMU with -icount shift=0, where the TSC counts
        guest instructions (the kernel checks it), at 64 MiB, 1 GiB, 8 GiB and 64 GiB: among
        the cases, every alloc_page(GFP_ATOMIC | EXCLUSIVE) its PIT handler makes at 10 kHz,
        with memory plentiful and with ordinary memory exhausted; the wake-up of the refill
        thread from such a take to the thread running (instructions and ticks, every sample
        printed); the e1000's receive handler per packet and its refill take (PHY loopback,
        same two levels). And once more with 4 CPUs
        (-smp 4, which -icount runs in turn on one host thread): the order-0 and order-2 pairs,
        the zone lock's waits and hold times, and the pad take in the PIT handler (ordinary
        memory exhausted), all on CPU 0 with 1, 2 and 4 CPUs busy allocating.
gdb:    the instructions of each alloc_page call made in the keyboard's interrupt handler,
        counted from outside by single-stepping under QEMU's GDB stub (tests/gdb_count.py).

Prints one table (every figure with its ratio to the bare free list of the same run), checks
the targets, writes build/bench/results.json (with the CPU, the commit and the date it was
measured at) and build/bench/latency.png (gnuplot: a panel per memory size).
--quick (used by `make test`) runs small versions of both parts, asserts nothing about speed,
and writes to build/bench-quick/ instead.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import gdb_count  # noqa: E402
import qemu  # noqa: E402
from qemu import Machine  # noqa: E402

CASE = re.compile(r"bench: case=(\S+) unit=(\S+) n=(\d+) p50=(\d+) p99=(\d+) p999=(\d+) "
                  r"max=(\d+) mean=(\d+)")
CDF = re.compile(r"bench-cdf: case=(\S+) (.*)$")
SAMPLES = re.compile(r"bench-samples: case=(\S+) from=(\d+) (.*)$")
SLOWEST = re.compile(r"bench: slowest case=(\S+)((?: \d+:\d+)*)")

# Each case, and the bare-free-list case its ratio is taken against.
BASELINE_OF = {
    "pair": "bare_list_pair", "pair_irqs_on": "bare_list_pair",
    "burst_alloc": "bare_list_burst_alloc", "burst_free": "bare_list_burst_free",
    "mixed": "bare_list_pair",
    "reserve_take": "bare_list_burst_alloc", "take_in_irq_plentiful": "bare_list_burst_alloc",
    "take_in_irq_exhausted": "bare_list_burst_alloc",
    "reserve_return": "bare_list_burst_free",
    "bitmap_pair": "bare_list_pair", "bitmap_burst_alloc": "bare_list_burst_alloc",
    "bitmap_burst_free": "bare_list_burst_free", "bitmap_mixed": "bare_list_pair",
}

# The measure_* function of host_bench.c behind each case, for callgrind.
MEASURE = {case: "measure_" + case for case in
           ("pair", "burst_alloc", "burst_free", "mixed", "reserve_take", "reserve_return",
            "bare_list_pair", "bare_list_burst_alloc", "bare_list_burst_free", "bitmap_pair",
            "bitmap_burst_alloc", "bitmap_burst_free", "bitmap_mixed")}


def parse(text):
    """The cases and CDFs a bench run printed, and its other key=value figures."""
    result = {"cases": {}, "cdf": {}, "figures": {}, "samples": {}}
    for line in text.splitlines():
        line = line.replace("\r", "")
        match = CASE.search(line)
        if match:
            name, unit = match.group(1), match.group(2)
            values = list(map(int, match.groups()[2:]))
            result["cases"][name] = dict(zip(("n", "p50", "p99", "p999", "max", "mean"), values),
                                         unit=unit)
            continue
        match = CDF.search(line)
        if match:
            result["cdf"][match.group(1)] = list(map(int, match.group(2).split()))
            continue
        match = SAMPLES.search(line)
        if match:
            result["samples"].setdefault(match.group(1), []).extend(map(int, match.group(3).split()))
        match = SLOWEST.search(line)
        if match:  # [(the sample's place in the run, its value)], slowest first
            result.setdefault("slowest", {})[match.group(1)] = [
                tuple(map(int, pair.split(":"))) for pair in match.group(2).split()]
            continue
        if line.startswith("bench: "):
            for key, value in re.findall(r"(\w+)=(\d+)", line):
                tag = line.split()[1] if "=" not in line.split()[1] else ""
                result["figures"][(tag + "." if tag else "") + key] = int(value)
            match = re.search(r"bench: tsc unit=(\w+)", line)
            if match:
                result["tsc_unit"] = match.group(1)
    return result


def run(command, timeout):
    process = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n"
                           f"{process.stdout[-2000:]}{process.stderr[-2000:]}")
    return process.stdout


def host_native(binary, memory_mib, ops):
    return parse(run([binary, "--memory", str(memory_mib), "--ops", str(ops)], 600))


def host_instructions(binary, memory_mib, ops, out_dir):
    """Instructions per operation of each case, from callgrind's inclusive counts."""
    out = os.path.join(out_dir, f"callgrind-{memory_mib}.out")
    text = run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary,
                "--memory", str(memory_mib), "--ops", str(ops)], 1800)
    ops_of = {m.group(1): int(m.group(2))
              for m in re.finditer(r"bench: ops case=(\S+) n=(\d+)", text)}
    annotated = run(["callgrind_annotate", "--inclusive=yes", out], 120)
    counts = {}  # the inclusive cost of each call of a measure_* function, at its call site
    for match in re.finditer(r"^\s*([\d,]+) .*=> [^:]+:(measure_\w+)", annotated, re.M):
        counts[match.group(2)] = int(match.group(1).replace(",", ""))
    return {case: round(counts[function] / ops_of[case], 1)
            for case, function in MEASURE.items() if function in counts and ops_of.get(case)}


KERNEL_SIZES = [("64M", []), ("1G", []), ("8G", []),
                ("64G", ["-object", "memory-backend-ram,id=ram0,size=64G,reserve=off",
                         "-machine", "memory-backend=ram0"])]


def kernel_bench(options, size, extra, quick):
    cmdline = "bench=quick" if quick else "bench"
    iso = qemu.make_iso(options, f"bench-{size}", cmdline)
    machine = Machine("pc", size, extra=["-icount", "shift=0"] + extra)
    result = qemu.run_to_exit(options, machine, iso, 600 if not quick else 120)
    if result.status != qemu.EXIT_PASS or "bench: done" not in result.output:
        raise RuntimeError(f"kernel bench at {size}: QEMU status {result.status}\n"
                           f"{result.output[-3000:]}")
    return parse(result.output)


def gdb_keyboard(options):
    """alloc_page in the keyboard's handler, counted by gdb: {"plentiful": [...], ...}."""
    port = gdb_count.free_port()
    iso = qemu.make_iso(options, "bench-gdb", "")
    log = os.path.join(options.build, "bench", "gdb-keyboard.log")
    session = qemu.Session(options, Machine(extra=["-gdb", f"tcp:127.0.0.1:{port}"]), iso, log)
    try:
        return gdb_count.count_keyboard_allocations(session, options.build, port)
    finally:
        session.close()


def pad_shares(result):
    """Where the takes in the handlers came from, per memory level (bench: pads_<level>)."""
    shares = {}
    for key, value in result["figures"].items():
        tag, _, name = key.partition(".")
        if tag.startswith("pads_"):
            shares.setdefault(tag[len("pads_"):], {})[name] = value
    return shares


SMP_CPUS = 4
LOCK = re.compile(r"bench: smp_(\w+)_lock cpus=(\d+) unit=(\S+) taken=(\d+) contended=(\d+) "
                  r"spins=(\d+) hold_mean=(\d+) hold_max=(\d+)")


def kernel_bench_smp(options, quick):
    """The bench booted with SMP_CPUS CPUs: its cases, and the zone lock's figures per round."""
    cmdline = "bench=quick" if quick else "bench"
    iso = qemu.make_iso(options, "bench-smp", cmdline)
    machine = Machine("pc", "1G", cpus=SMP_CPUS, extra=["-icount", "shift=0"])
    result = qemu.run_to_exit(options, machine, iso, 600 if not quick else 240)
    if result.status != qemu.EXIT_PASS or "bench: done" not in result.output:
        raise RuntimeError(f"kernel bench with {SMP_CPUS} CPUs: QEMU status {result.status}\n"
                           f"{result.output[-3000:]}")
    parsed = parse(result.output)
    for which in ("zone", "sched"):
        parsed[which + "_lock"] = {int(m.group(2)): dict(zip(
            ("taken", "contended", "spins", "hold_mean", "hold_max"), map(int, m.groups()[3:])))
            for m in LOCK.finditer(result.output) if m.group(1) == which}
    return parsed


def print_smp(result):
    """One line per round: the cases' p50 and p99, and the zone lock."""
    print(f"kernel with {SMP_CPUS} CPUs (CPU 0 measures, instructions per operation):")
    for cpus, lock in sorted(result["zone_lock"].items()):
        cases = result["cases"]
        parts = [f"{kind} p50 {c['p50']} p99 {c['p99']}"
                 for kind in ("pair", "block_pair", "take_in_irq")
                 for c in [cases.get(f"smp_{kind}_cpus{cpus}")] if c]
        print(f"  {cpus} busy: " + "; ".join(parts))
        for which in ("zone", "sched"):
            lock = result[which + "_lock"].get(cpus)
            if lock:
                print(f"    {which} lock: taken {lock['taken']}, waited {lock['contended']} "
                      f"({lock['spins']} turns), held {lock['hold_mean']} on average, "
                      f"{lock['hold_max']} at most")


RECEIVE_LEVELS = ("plentiful", "plentiful_burst", "exhausted", "exhausted_burst")


def print_receive_path(size, result):
    """The e1000's receive handler per packet and its refill take, per memory level."""
    cases, figures = result["cases"], result["figures"]
    for level in RECEIVE_LEVELS:
        handler, take = cases.get(f"rx_handler_{level}"), cases.get(f"rx_refill_take_{level}")
        if not handler or not take:
            continue
        share = {k.split(".", 1)[1]: v for k, v in figures.items()
                 if k.startswith(f"rx_{level}.")}
        slowest = result.get("slowest", {})
        print(f"receive path, kernel {size}, memory {level}: handler per packet p50 "
              f"{handler['p50']} p99.9 {handler['p999']} max {handler['max']} "
              f"({handler['n']} interrupts); refill take p50 {take['p50']} p99.9 {take['p999']} "
              f"max {take['max']} ({take['n']} takes); pads own {share.get('pads_own', 0)}, "
              f"shared {share.get('pads_shared', 0)}, pool {share.get('pads_pool', 0)}, "
              f"refused {share.get('pads_refused', 0)}; slowest takes (place:value) "
              f"{slowest.get(f'rx_refill_take_{level}', [])}")


def ratio(value, base):
    return value / base if base else float("inf")


def table_rows(label, result, unit, instructions=None, ns_per_tick=None):
    rows = []
    cases = result["cases"]
    for name, figures in cases.items():
        base = cases.get(BASELINE_OF.get(name, name))
        base_p50 = base["p50"] if base else 0
        row = [f"{label}", name, figures["p50"], figures["p99"], figures["p999"], figures["max"],
               figures.get("unit") or unit,
               f"{ratio(figures['p50'], base_p50):.2f}" if base and base is not figures else "1"]
        if ns_per_tick and figures.get("unit") != "ticks":
            row.append(f"{figures['p50'] * ns_per_tick:.1f}")
        else:
            row.append("")
        if instructions is not None:
            value = instructions.get(name)
            base_value = instructions.get(BASELINE_OF.get(name, name))
            row.append(f"{value} ({ratio(value, base_value):.2f}x)" if value and base_value
                       else "")
        else:
            row.append("")
        rows.append(row)
    return rows


def print_table(rows):
    header = ["where", "case", "p50", "p99", "p99.9", "max", "unit", "x bare list (p50)",
              "ns (p50)", "instructions/op (x bare list)"]
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


def targets(results):
    """Each target of the issue: (text, measured, met)."""
    checks = []
    for size in ("1G", "16G"):
        host = results["host"].get(size)
        if not host:
            continue
        c = host["cases"]
        pair = ratio(c["pair"]["p50"], c["bare_list_pair"]["p50"])
        checks.append((f"host {size}: order-0 pair <= 1.5x bare list", f"{pair:.2f}x",
                       pair <= 1.5))
        ours = c["reserve_take"]["p50"] + c["reserve_return"]["p50"]
        bare = c["bare_list_burst_alloc"]["p50"] + c["bare_list_burst_free"]["p50"]
        checks.append((f"host {size}: reserve take and return <= 1.5x bare list",
                       f"{ratio(ours, bare):.2f}x", ratio(ours, bare) <= 1.5))
        ours = c["burst_alloc"]["mean"] + c["burst_free"]["mean"]
        bare = c["bare_list_burst_alloc"]["mean"] + c["bare_list_burst_free"]["mean"]
        checks.append((f"host {size}: 100 000 allocations then frees <= 3x bare list",
                       f"{ratio(ours, bare):.2f}x", ratio(ours, bare) <= 3))
        if size != "1G":
            for case in ("pair", "burst_alloc", "burst_free", "mixed"):
                mine, theirs = c[case]["p50"], c["bitmap_" + case]["p50"]
                checks.append((f"host {size}: beats the bitmap at {case}",
                               f"{mine} vs {theirs} cycles", mine < theirs))
            build = host["figures"]
            checks.append((f"host {size}: beats the bitmap at building (per GiB)",
                           f"{build['per_gib']} vs {build['bitmap_per_gib']} cycles",
                           build["per_gib"] < build["bitmap_per_gib"]))
    kernel = results["kernel"]
    for level in ("plentiful", "exhausted"):
        case = "take_in_irq_" + level
        takes = {size: r["cases"][case]["p999"] for size, r in kernel.items()
                 if case in r["cases"]}
        for size, value in takes.items():
            checks.append((f"kernel {size}: every take in the PIT handler, memory {level}, <= 50 "
                           f"instructions at p99.9", str(value), value <= 50))
        if takes:
            checks.append((f"kernel: the take the same count at every memory size, memory "
                           f"{level}", str(takes), len(set(takes.values())) == 1))
    for size, r in kernel.items():
        cases = r["cases"]
        for level in RECEIVE_LEVELS:
            take = cases.get(f"rx_refill_take_{level}")
            if take:
                checks.append((f"kernel {size}: every refill take of the e1000's receive "
                               f"handler, memory {level}, <= 50 instructions at p99.9",
                               str(take["p999"]), take["p999"] <= 50))
        handlers = [cases.get(f"rx_handler_{level}") for level in ("plentiful", "exhausted")]
        if all(handlers):
            checks.append((f"kernel {size}: the receive handler per packet the same with memory "
                           f"plentiful and exhausted (p99.9)",
                           f"{handlers[0]['p999']} vs {handlers[1]['p999']}",
                           handlers[0]["p999"] == handlers[1]["p999"]))
    for level, values in results.get("gdb", {}).items():
        checks.append((f"gdb: alloc_page in the keyboard handler, memory {level}, <= 50 "
                       f"instructions", gdb_count.summary(values),
                       bool(values) and max(values) <= 50))
    for size, r in kernel.items():
        if "pair" in r["cases"]:
            value = r["cases"]["pair"]["p50"]
            checks.append((f"kernel {size}: order-0 GFP_KERNEL pair <= 100 instructions at p50",
                           str(value), value <= 100))
    if "8G" in kernel and "64G" in kernel:
        small = kernel["8G"]["figures"]["frame_db_build.ticks"]
        large = kernel["64G"]["figures"]["frame_db_build.ticks"]
        checks.append(("kernel: frame database build at 64 GiB <= 9x 8 GiB",
                       f"{ratio(large, small):.2f}x", large <= 9 * small))
    return checks


# Each case keeps its colour in every panel, so one legend serves them all.
PLOTTED_CASES = ("pair", "pair_irqs_on", "reserve_take", "take_in_irq_plentiful",
                 "take_in_irq_exhausted", "burst_alloc", "mixed", "context_switch",
                 "bare_list_pair", "bitmap_pair", "bitmap_burst_alloc")
COLOURS = ("#1f77b4", "#aec7e8", "#d62728", "#ff9896", "#8c564b", "#2ca02c", "#9467bd",
           "#e377c2", "#7f7f7f", "#ff7f0e", "#bcbd22")


def plot(results, out_dir):
    """CDFs of the per-operation costs, a panel for every memory size measured: the host's
    (cycles) on the top row, the kernel's (instructions) below; the legend has a panel of its
    own, so it covers no curve."""
    data = os.path.join(out_dir, "cdf.dat")
    panels = {"host": [], "kernel": []}  # where -> [(size, [(case, data index)])]
    index = 0
    with open(data, "w", encoding="utf-8") as out:
        for where in ("host", "kernel"):
            for size, result in results[where].items():
                series = []
                for case in PLOTTED_CASES:
                    values = result["cdf"].get(case)
                    if not values:
                        continue
                    out.write(f"# {where} {size} {case}\n")
                    for percent, value in enumerate(values):
                        out.write(f"{max(value, 1)} {percent}\n")
                    out.write("\n\n")
                    series.append((case, index))
                    index += 1
                panels[where].append((size, series))
    columns = max(len(panels["host"]) + 2, len(panels["kernel"]), 3)
    width, height = 1 / columns, 0.5
    script = [f"set terminal png size {400 * columns},860 noenhanced",
              f'set output "{out_dir}/latency.png"', "set multiplot", "set logscale x",
              'set format x "%.0s%c"',  # 1, 10, 100, 1k, 10k ... 10M: labels stay apart
              'set ylabel "percentile"', "set grid", "set yrange [0:100]", "unset key"]
    for row, (where, unit) in enumerate((("host", "cycles per operation"),
                                        ("kernel", "instructions per operation"))):
        for column, (size, series) in enumerate(panels[where]):
            if not series:
                continue
            script += [f"set origin {column * width},{(1 - row) * height}",
                       f"set size {width},{height}", f'set title "{where}, {size} of memory"',
                       f'set xlabel "{unit}"',
                       "plot " + ", ".join(
                           f'"{data}" index {i} using 1:2 with steps lw 2 '
                           f'lc rgb "{COLOURS[PLOTTED_CASES.index(case)]}" notitle'
                           for case, i in series)]
    shown = [case for case in PLOTTED_CASES
             if any(case == c for panel in panels.values() for _, s in panel for c, _ in s)]
    script += [f"set origin {(columns - 2) * width},{height}", f"set size {2 * width},{height}",
               "unset title", "unset xlabel", "unset ylabel", "unset logscale x", "unset grid",
               "unset border", "unset tics", "set xrange [0:1]", "set yrange [0:1]",
               "set key center center vertical maxrows 5 box",
               "plot " + ", ".join(f'NaN with lines lw 3 lc rgb '
                                   f'"{COLOURS[PLOTTED_CASES.index(case)]}" title "{case}"'
                                   for case in shown),
               "unset multiplot"]
    subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


def provenance(qemu_binary):
    """What a result depends on: the CPU, the commit, the date, the tools."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = re.search(r"^model name\s*:\s*(.*)$", info.read(), re.M).group(1)
    except (OSError, AttributeError):
        pass

    def output(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=30,
                                  cwd=qemu.TOP).stdout.strip()
        except OSError:
            return ""
    commit = output(["git", "rev-parse", "HEAD"])
    dirty = bool(output(["git", "status", "--porcelain", "--untracked-files=no"]))
    return {"cpu": cpu, "cpus": os.cpu_count(), "commit": commit + ("+changes" if dirty else ""),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "kernel": platform.release(),
            "qemu": (output([qemu_binary, "--version"]).splitlines() or [""])[0],
            "gcc": (output(["gcc", "--version"]).splitlines() or [""])[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    binary = os.path.join(build, "bench", "host_bench")
    out_dir = os.path.join(build, "bench-quick" if args.quick else "bench")
    os.makedirs(out_dir, exist_ok=True)
    options = qemu.Options(build, args.qemu, "tcg")

    sizes = [(256, "256M")] if args.quick else [(1024, "1G"), (16384, "16G")]
    ops = 2000 if args.quick else 100000
    results = {"machine": provenance(args.qemu), "host": {}, "instructions": {}, "kernel": {}}
    rows = []
    for mib, label in sizes:
        native = host_native(binary, mib, ops)
        results["host"][label] = native
        instructions = host_instructions(binary, mib, ops // 5, out_dir)
        results["instructions"][label] = instructions
        ns = 1e9 / native["figures"]["tsc_hz"]
        rows += table_rows(f"host {label}", native, "cycles", instructions, ns)
    for size, extra in (KERNEL_SIZES[:1] if args.quick else KERNEL_SIZES):
        result = kernel_bench(options, size, extra, args.quick)
        results["kernel"][size] = result
        rows += table_rows(f"kernel {size}", result, result.get("tsc_unit", "?"))

    smp_problem = None
    if not args.quick:  # about two and a half minutes: make bench only
        try:
            results["kernel_smp"] = kernel_bench_smp(options, False)
        except RuntimeError as error:
            # QEMU 7.2's -icount round robin can leave one guest CPU without turns while
            # the others spin (docs/benchmarks.md): say so, keep the other figures.
            smp_problem = str(error).splitlines()[0]
    print_table(rows)
    if "kernel_smp" in results:
        print_smp(results["kernel_smp"])
    elif smp_problem:
        print(f"kernel with {SMP_CPUS} CPUs: no figures ({smp_problem})")
    for size, result in results["kernel"].items():
        for level, share in pad_shares(result).items():
            print(f"pads, kernel {size}, memory {level} (10 kHz, sample_every=1): handler "
                  f"{share.get('handler_pads', 0)} from pads, {share.get('handler_scrubbed', 0)} "
                  f"scrubbed in the handler, {share.get('handler_failed', 0)} failed; sensor "
                  f"{share.get('sensor_pads', 0)} from pads, {share.get('sensor_scrubbed', 0)} "
                  f"scrubbed")
    for size, result in results["kernel"].items():
        for case, values in result.get("samples", {}).items():
            print(f"every sample, kernel {size}, {case} (in the order taken): "
                  f"{' '.join(map(str, values))}")
        print_receive_path(size, result)
    if not args.quick:
        results["gdb"] = gdb_keyboard(options)
        for level, values in results["gdb"].items():
            print(f"gdb, alloc_page in the keyboard handler, memory {level}: "
                  f"{gdb_count.summary(values)}")
    for where, result in list(results["host"].items()) + list(results["kernel"].items()):
        build_figures = {k: v for k, v in result["figures"].items() if "build" in k or
                         k in ("per_gib", "bare_list_per_gib", "bitmap_per_gib")}
        print(f"frame database build, {where}: {build_figures}")
    checks = [] if args.quick else targets(results)
    results["targets"] = [{"target": t, "measured": m, "met": ok} for t, m, ok in checks]
    for text, measured, met in checks:
        print(f"{'MET ' if met else 'MISS'}  {text}: {measured}")
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as out:
        json.dump(results, out, indent=1)
    plot(results, out_dir)
    print(f"wrote {out_dir}/results.json and {out_dir}/latency.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
