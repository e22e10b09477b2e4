#!/usr/bin/env python3
"""Reference values for Tests/GoalpostEvaluationTests/RankTestTests.swift.

R's wilcox.test(x, y, conf.int = TRUE) (two-sided, mu = 0, correct = TRUE), recomputed here from its
definition, independently of Sources/GoalpostEvaluation/RankTest.swift:

- exact method (both samples < 50, no ties): the null distribution of U by brute-force enumeration of which
  pooled positions belong to x (itertools.combinations), p = min(1, 2 * min(P(U <= W), P(U >= W))), the
  interval [d(qu), d(mn - qu + 1)] with qu = qwilcox(alpha/2, m, n) (at least 1), the estimate median(d);
- normal method: z with tie-corrected sigma and continuity correction; the interval ends by bisection on
  the shift mu of the z statistic of (x - mu, y) with average ranks recomputed at every step (R's wdiff),
  and the estimate by bisection on the same statistic without continuity correction (midpoint of the
  zero set).

Python 3 standard library only; prints the values the Swift test pastes in.
    python3 scripts/reference/wilcox.py
"""
import itertools
import math
from statistics import NormalDist


def u_statistic(x, y):
    return sum((xi > yj) + 0.5 * (xi == yj) for xi in x for yj in y)


def differences(x, y):
    return sorted(xi - yj for xi in x for yj in y)


def median(values):
    v = sorted(values)
    k = len(v)
    return v[k // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) / 2


def exact_distribution(m, n):
    """Counts of U over every choice of the m pooled positions (0..m+n-1, ascending order) that hold x."""
    counts = [0] * (m * n + 1)
    for positions in itertools.combinations(range(m + n), m):
        # U = number of (x, y) pairs with the y item below the x item.
        u = sum(p - i for i, p in enumerate(positions))
        counts[u] += 1
    return counts


def exact(x, y, level=0.95):
    m, n = len(x), len(y)
    counts = exact_distribution(m, n)
    total = sum(counts)
    w = u_statistic(x, y)
    wi = int(w)
    lower_tail = sum(counts[: wi + 1]) / total
    upper_tail = sum(counts[wi:]) / total
    p = min(1.0, 2 * min(lower_tail, upper_tail))
    alpha = 1 - level
    cumulative, qu = 0.0, 0
    for q, c in enumerate(counts):
        cumulative += c / total
        if cumulative >= alpha / 2 - 10 * 2.220446049250313e-16:
            qu = q
            break
    qu = max(qu, 1)
    ql = m * n - qu
    d = differences(x, y)
    return dict(W=w, p=p, one_sided_greater=upper_tail, estimate=median(d), lower=d[qu - 1], upper=d[ql],
                qu=qu, total=total)


def average_ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def z_of_shift(x, y, mu, correct=True):
    """R's W(d): the z statistic of (x - mu, y), ties and continuity correction recomputed."""
    m, n = len(x), len(y)
    pooled = [xi - mu for xi in x] + list(y)
    r = average_ranks(pooled)
    dz = sum(r[:m]) - m * (m + 1) / 2 - m * n / 2
    ties = {}
    for v in pooled:
        ties[v] = ties.get(v, 0) + 1
    tie_sum = sum(t ** 3 - t for t in ties.values())
    sigma = math.sqrt(m * n / 12 * ((m + n + 1) - tie_sum / ((m + n) * (m + n - 1))))
    correction = 0.5 * ((dz > 0) - (dz < 0)) if correct else 0.0
    return (dz - correction) / sigma


def bisect(f, lo, hi, strict):
    """Boundary of {f > 0} (strict=False: first mu with f <= 0) or of {f >= 0} (strict=True: first f < 0)."""
    inside = (lambda v: v >= 0) if strict else (lambda v: v > 0)
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid <= lo or mid >= hi:
            break
        if inside(f(mid)):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def normal(x, y, level=0.95):
    m, n = len(x), len(y)
    w = u_statistic(x, y)
    pooled = list(x) + list(y)
    ties = {}
    for v in pooled:
        ties[v] = ties.get(v, 0) + 1
    tie_sum = sum(t ** 3 - t for t in ties.values())
    sigma = math.sqrt(m * n / 12 * ((m + n + 1) - tie_sum / ((m + n) * (m + n - 1))))
    centered = w - m * n / 2
    z = (centered - 0.5 * ((centered > 0) - (centered < 0))) / sigma
    p = 2 * min(NormalDist().cdf(z), 1 - NormalDist().cdf(z))
    p_erfc = math.erfc(abs(z) / math.sqrt(2))
    alpha = 1 - level
    zq = NormalDist().inv_cdf(1 - alpha / 2)
    mumin, mumax = min(x) - max(y), max(x) - min(y)

    def root(q):
        f = lambda mu: z_of_shift(x, y, mu) - q
        if f(mumin) <= 0:
            return mumin
        if f(mumax) >= 0:
            return mumax
        return bisect(f, mumin, mumax, strict=False)

    lower, upper = root(zq), root(-zq)
    g = lambda mu: z_of_shift(x, y, mu, correct=False)
    estimate = (bisect(g, mumin, mumax, strict=False) + bisect(g, mumin, mumax, strict=True)) / 2
    return dict(W=w, p=p, p_erfc=p_erfc, z=z, sigma=sigma, estimate=estimate, lower=lower, upper=upper,
                median_of_differences=median(differences(x, y)))


def splitmix_uniform(seed, count, scale, shift):
    """count values scale * U[0, 1) + shift from SplitMix64 started at seed (the Swift test's generator)."""
    mask = (1 << 64) - 1
    state = seed
    out = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z = z ^ (z >> 31)
        out.append((z >> 11) * 2.0 ** -53 * scale + shift)
    return out


def show(name, values):
    print(f"## {name}")
    for key, value in values.items():
        print(f"  {key} = {value!r}")


if __name__ == "__main__":
    # 1. R's ?wilcox.test example (Hollander & Wolfe 1973, p. 111).
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    show("Hollander & Wolfe p.111, exact", exact(x, y))
    show("Hollander & Wolfe p.111, 90% exact", exact(x, y, 0.90))

    # 2. By hand: every x below every y.
    show("[1,2,3] vs [4,5,6], exact", exact([1, 2, 3], [4, 5, 6]))

    # 3. Ties: normal method.
    tx = [1, 2, 2, 3, 4, 4, 5, 7]
    ty = [2, 3, 3, 5, 6, 6, 7, 8, 9]
    show("tied, normal", normal(tx, ty))
    show("tied, normal, 80%", normal(tx, ty, 0.80))

    # R's extreme example: wilcox.test(1, 2:60, conf.int = TRUE) returns the range ends.
    show("1 vs 2:60, normal", normal([1], list(range(2, 61))))

    # 4. Large: 200 vs 300 uniform on [0, 10), x shifted by 5.
    lx = splitmix_uniform(1, 200, 10, 5)
    ly = splitmix_uniform(2, 300, 10, 0)
    show("200 vs 300, shift 5, normal", normal(lx, ly))
    print("  first x, first y:", repr(lx[0]), repr(ly[0]))
