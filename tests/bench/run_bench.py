#!/usr/bin/env python3
"""tests/bench/run_bench.py - `make bench`: Labyrinth's allocator measured beside the bare
free list and the bitmap allocator, in one run, on the host and in the kernel.

Host:   build/bench/host_bench (mm/ at -O2 on fake memory of 1 GiB and 16 GiB), timed with the
        TSC (cycles, and ns), and under `valgrind --tool=callgrind` (instructions per operation).
Kernel: the kernel booted with `bench` under QEMU with -icount shift=0, where the TSC counts
        guest instructions (the kernel checks it), at 64 MiB, 1 GiB, 8 GiB and 64 GiB; and once
        more with 4 CPUs (-smp 4, which -icount runs in turn on one host thread): the order-0
        and order-2 pairs, the zone lock's waits and hold times, and the reserve take in the
        PIT handler, all on CPU 0 with 1, 2 and 4 CPUs busy allocating.

Prints one table (every figure with its ratio to the bare free list of the same run), checks
the targets, writes build/bench/results.json and build/bench/latency.png (gnuplot).
--quick (used by `make test`) runs small versions of both parts, asserts nothing about speed,
and writes to build/bench-quick/ instead.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import qemu  # noqa: E402
from qemu import Machine  # noqa: E402

CASE = re.compile(r"bench: case=(\S+) unit=(\S+) n=(\d+) p50=(\d+) p99=(\d+) p999=(\d+) "
                  r"max=(\d+) mean=(\d+)")
CDF = re.compile(r"bench-cdf: case=(\S+) (.*)$")

# Each case, and the bare-free-list case its ratio is taken against.
BASELINE_OF = {
    "pair": "bare_list_pair", "pair_irqs_on": "bare_list_pair",
    "burst_alloc": "bare_list_burst_alloc", "burst_free": "bare_list_burst_free",
    "mixed": "bare_list_pair",
    "reserve_take": "bare_list_burst_alloc", "reserve_take_in_irq": "bare_list_burst_alloc",
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
    result = {"cases": {}, "cdf": {}, "figures": {}}
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


def ratio(value, base):
    return value / base if base else float("inf")


def table_rows(label, result, unit, instructions=None, ns_per_tick=None):
    rows = []
    cases = result["cases"]
    for name, figures in cases.items():
        base = cases.get(BASELINE_OF.get(name, name))
        base_p50 = base["p50"] if base else 0
        row = [f"{label}", name, figures["p50"], figures["p99"], figures["p999"], unit,
               f"{ratio(figures['p50'], base_p50):.2f}" if base and base is not figures else "1"]
        if ns_per_tick:
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
    header = ["where", "case", "p50", "p99", "p99.9", "unit", "x bare list (p50)", "ns (p50)",
              "instructions/op (x bare list)"]
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
    takes = {size: r["cases"]["reserve_take_in_irq"]["p999"] for size, r in kernel.items()
             if "reserve_take_in_irq" in r["cases"]}
    for size, value in takes.items():
        checks.append((f"kernel {size}: reserve take in the PIT handler <= 50 instructions "
                       f"at p99.9", str(value), value <= 50))
    if len(set(takes.values())) > 1:
        checks.append(("kernel: reserve take the same count at every memory size",
                       str(takes), False))
    elif takes:
        checks.append(("kernel: reserve take the same count at every memory size",
                       str(takes), True))
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


def plot(results, out_dir):
    """CDFs of the per-operation costs: host (cycles) and kernel (instructions)."""
    data = os.path.join(out_dir, "cdf.dat")
    series = []
    with open(data, "w", encoding="utf-8") as out:
        for where, result in (("host 1G", results["host"].get("1G")),
                              ("kernel 1G", results["kernel"].get("1G"))):
            if not result:
                continue
            for case in ("pair", "reserve_take", "reserve_take_in_irq", "burst_alloc",
                         "bare_list_pair", "bitmap_pair", "bitmap_burst_alloc"):
                values = result["cdf"].get(case)
                if values:
                    series.append((where, case))
                    out.write(f"# {where} {case}\n")
                    for percent, value in enumerate(values):
                        out.write(f"{max(value, 1)} {percent}\n")
                    out.write("\n\n")
    script = [f'set terminal png size 1200,520 noenhanced', f'set output "{out_dir}/latency.png"',
              'set multiplot layout 1,2', 'set logscale x', 'set ylabel "percentile"',
              'set key bottom right', 'set grid', 'set yrange [0:100]']
    for panel, unit in (("host 1G", "cycles per operation"),
                        ("kernel 1G", "instructions per operation")):
        plots = [f'"{data}" index {i} using 1:2 with steps lw 2 title "{case}"'
                 for i, (where, case) in enumerate(series) if where == panel]
        if plots:
            script += [f'set title "{panel}"', f'set xlabel "{unit}"',
                       "plot " + ", ".join(plots)]
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


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
    results = {"machine": platform.processor() or platform.machine(),
               "host": {}, "instructions": {}, "kernel": {}}
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
