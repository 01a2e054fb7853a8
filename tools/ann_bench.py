"""The side-by-side index benchmark's Python half: the data, the exact answers, and hnswlib.

`tools/ann-bench` drives it; run alone:

    python3 tools/ann_bench.py gen 1000000 /tmp/ann/1000000     # rows, queries, exact top 10
    python3 tools/ann_bench.py run /tmp/ann/1000000 target/release/index_bench 48,64 50,100
    python3 tools/ann_bench.py truth /tmp/ann/real-like          # exact top 10 of exported rows
    python3 tools/ann_bench.py table < results.txt              # the markdown table

Data (issue 19): 21-d rows softmax(4 x N(0,1)) from numpy's default_rng(42), the 1,000 queries
drawn first, then the rows, so a smaller size is a prefix of a larger one. Files, little-endian:
`queries.f32` (1000 x 21), `base.f32` (n x 21), `truth.u32` (1000 x 10: the exact nearest rows in
float64, nearest first). Every index is scored against the same `truth.u32` with the same
formula (recall@10 = |found ∩ truth| / 10, averaged), and timed one query at a time on one thread.

hnswlib is timed through its Python binding, so each of its queries also pays the call (argument
conversion, result arrays): `overhead_us` is the p50 of the same call on a one-row index, and
`p50_us_net` subtracts it, the figure moodtune is compared with. Memory: growth of the process's
resident set while the index is built, less the vectors' own 84 bytes per row, measured the same
way for every index.
"""
import os
import sys
import time

import numpy as np

DIM = 21
K = 10
QUERIES = 1000
# Passes over the queries per index and width, alternating between the indexes; each percentile
# is the median of the passes'.
ROUNDS = int(os.environ.get("MOODTUNE_BENCH_ROUNDS", "7"))


def softmax4(z: np.ndarray) -> np.ndarray:
    z = 4.0 * z
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def gen(n: int, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(42)
    queries = softmax4(rng.standard_normal((QUERIES, DIM)))
    base = softmax4(rng.standard_normal((n, DIM)))
    queries.tofile(os.path.join(out, "queries.f32"))
    base.tofile(os.path.join(out, "base.f32"))
    exact(out, base, queries)
    print(f"wrote {n} rows, {QUERIES} queries and their exact top {K} to {out}", file=sys.stderr)


def exact(out: str, base, queries) -> None:
    """Writes each query's exact top 10 rows in float64 (`truth.u32`, nearest first) and its
    10th squared distance (`kth.f64`): a row as near as the 10th counts as found too (the same
    tie rule as moodtune's recall_at_k), which matters where a catalog holds equally near moods."""
    b = base.astype(np.float64)
    bn = (b * b).sum(axis=1)
    nq = len(queries)
    truth = np.empty((nq, K), dtype=np.uint32)
    kth = np.empty(nq, dtype=np.float64)
    for lo in range(0, nq, 25):
        q = queries[lo : lo + 25].astype(np.float64)
        d = bn[None, :] - 2.0 * (q @ b.T) + (q * q).sum(axis=1)[:, None]
        # A margin of candidates by the expanded formula, then the top 10 of them re-measured
        # directly (the formula cancels badly for the tiny distances inside a cluster).
        wide = min(K + 32, len(b) - 1)
        part = np.argpartition(d, wide, axis=1)[:, :wide]
        for i, row in enumerate(part):
            exact = ((b[row] - q[i]) ** 2).sum(axis=1)
            order = np.argsort(exact, kind="stable")[:K]
            truth[lo + i] = row[order]
            kth[lo + i] = exact[order[-1]]
    truth.tofile(os.path.join(out, "truth.u32"))
    kth.tofile(os.path.join(out, "kth.f64"))


def load(d: str, with_truth=True):
    base = np.fromfile(os.path.join(d, "base.f32"), dtype=np.float32).reshape(-1, DIM)
    queries = np.fromfile(os.path.join(d, "queries.f32"), dtype=np.float32).reshape(-1, DIM)
    if not with_truth:
        return base, queries, None, None
    truth = np.fromfile(os.path.join(d, "truth.u32"), dtype=np.uint32).reshape(-1, K)
    kth_path = os.path.join(d, "kth.f64")
    kth = np.fromfile(kth_path, dtype=np.float64) if os.path.exists(kth_path) else None
    return base, queries, truth, kth


def hits_of(found, t_row, q, base, kth) -> int:
    """Found rows that count: in the exact top 10, or (with `kth`) no farther than its 10th."""
    truth = set(t_row.tolist())
    hits = 0
    for r in found:
        if r in truth:
            hits += 1
        elif kth is not None:
            d = ((base[r].astype(np.float64) - q.astype(np.float64)) ** 2).sum()
            hits += d <= kth * (1.0 + 1e-6) + 1e-12
    return hits


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def p(times, q):
    return times[int((len(times) - 1) * q)]


def hnswlib_index(base):
    """hnswlib built on both cores (M 16, efC 200), with its build time, its memory beyond the
    vectors, and the binding's own cost per query call (measured on a one-row index)."""
    import hnswlib

    n = len(base)
    tiny = hnswlib.Index(space="l2", dim=DIM)
    tiny.init_index(max_elements=1, M=16, ef_construction=200, random_seed=100)
    tiny.add_items(base[:1])
    tiny.set_ef(10)
    calls = []
    for _ in range(QUERIES):
        t = time.perf_counter_ns()
        tiny.knn_query(base[0], k=1)
        calls.append((time.perf_counter_ns() - t) / 1e3)
    overhead = p(sorted(calls), 0.5)
    before = rss_mb()
    index = hnswlib.Index(space="l2", dim=DIM)
    t = time.perf_counter()
    index.init_index(max_elements=n, M=16, ef_construction=200, random_seed=100)
    index.add_items(base, np.arange(n), num_threads=2)
    build = time.perf_counter() - t
    grown = rss_mb() - before - n * DIM * 4 / 2**20
    return index, build, grown, overhead


def hnswlib_pass(index, ef, base, queries, truth, kth):
    """One pass over the queries at width `ef`: (p50 us, p95 us, hits)."""
    index.set_ef(ef)
    times = []
    found = []
    for q in queries:
        t = time.perf_counter_ns()
        labels, _ = index.knn_query(q, k=K, num_threads=1)
        times.append((time.perf_counter_ns() - t) / 1e3)
        found.append(labels[0].tolist())
    hits = 0
    for i, (rows, t_row) in enumerate(zip(found, truth)):
        hits += hits_of(rows, t_row, queries[i], base, None if kth is None else kth[i])
    times.sort()
    return p(times, 0.5), p(times, 0.95), hits


def run(d: str, bench: str, graph_efs, hnswlib_efs) -> None:
    """Builds moodtune's graph (in `bench`, index_bench in lock-step mode) and hnswlib, one after
    the other, then alternates passes over the queries between them, ROUNDS times, so that both
    meet the same moments of a shared machine; prints one result line per index and width,
    each percentile the median of its passes'."""
    import subprocess

    base, queries, truth, kth = load(d)
    n = len(base)
    # `data.txt` names where the rows came from when they are not the issue's random moods.
    label_path = os.path.join(d, "data.txt")
    data = open(label_path).read().strip() if os.path.exists(label_path) else "random"
    data = data.replace(" ", "_")
    env = dict(os.environ, MOODTUNE_BENCH_FILES=d, MOODTUNE_BENCH_LOCKSTEP="1")
    graph = subprocess.Popen(
        [bench, "graph", str(n), "files"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    head = dict(kv.split("=", 1) for kv in graph.stdout.readline().split())
    index, build, grown, overhead = hnswlib_index(base)
    passes = {}
    for _ in range(ROUNDS):
        for ef in graph_efs:
            graph.stdin.write(f"{ef}\n")
            graph.stdin.flush()
            p50, p95, hits = graph.stdout.readline().split()
            passes.setdefault(("graph", ef), []).append((float(p50), float(p95), int(hits)))
        for ef in hnswlib_efs:
            passes.setdefault(("hnswlib", ef), []).append(
                hnswlib_pass(index, ef, base, queries, truth, kth)
            )
    graph.stdin.close()
    graph.wait()

    def median(xs):
        return sorted(xs)[len(xs) // 2]

    for (name, ef), runs in passes.items():
        p50 = median([r[0] for r in runs])
        p95 = median([r[1] for r in runs])
        recall = runs[0][2] / (K * len(queries))
        if name == "graph":
            print(
                f"index=graph n={n} data={data} ef={ef} build_s={head['build_s']} p50_us={p50:.1f} "
                f"p95_us={p95:.1f} recall@10={recall:.4f} index_mb={head['index_mb']}",
                flush=True,
            )
        else:
            print(
                f"index=hnswlib n={n} data={data} ef={ef} build_s={build:.1f} p50_us={p50:.1f} "
                f"p95_us={p95:.1f} overhead_us={overhead:.1f} p50_us_net={p50 - overhead:.1f} "
                f"p95_us_net={p95 - overhead:.1f} recall@10={recall:.4f} index_mb={grown:.0f}",
                flush=True,
            )


def table() -> None:
    rows = []
    for line in sys.stdin:
        if not line.startswith("index="):
            continue
        rows.append(dict(kv.split("=", 1) for kv in line.split()))
    names = {
        "graph": "moodtune graph (M 16, efC 100)",
        "hnswlib": "hnswlib 0.8 (M 16, efC 200)",
        "hnsw": "instant-distance 0.6.1",
    }
    print("| tracks | index | ef | build | p50 | p95 | recall@10 | memory beyond vectors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        net = "p50_us_net" in r
        p50 = r["p50_us_net"] if net else r["p50_us"]
        p95 = r["p95_us_net"] if net else r["p95_us"]
        extra = f" (+{r['overhead_us']} call)" if net else ""
        print(
            f"| {int(r['n']):,}{'' if r.get('data', 'random') == 'random' else ' ' + r['data'].replace('_', ' ')} | {names.get(r['index'], r['index'])} | {r['ef']} | {r['build_s']} s "
            f"| {p50} us{extra} | {p95} us | {r['recall@10']} | {r.get('index_mb', '?')} MB |"
        )


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "gen":
        gen(int(sys.argv[2]), sys.argv[3])
    elif cmd == "run":
        efs = lambda arg: [int(e) for e in arg.split(",")]
        run(sys.argv[2], sys.argv[3], efs(sys.argv[4]), efs(sys.argv[5]))
    elif cmd == "truth":
        base, queries, _, _ = load(sys.argv[2], with_truth=False)
        exact(sys.argv[2], base, queries)
    elif cmd == "table":
        table()
    else:
        raise SystemExit(__doc__)
