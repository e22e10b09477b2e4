#!/usr/bin/env python3
"""Published multi-dimensional root-cause localizers, re-implemented for comparison with `goalpost localize`.

Our own pure-Python (3.11 stdlib) re-implementations, written from the papers' descriptions; no code of the
authors' or anyone else's projects was used. Where a paper leaves a detail open, or where we could not read the
paper's exact formula offline, the choice we made is stated in the method's docstring and in
docs/performance.md ("Compared with re-implemented baselines").

    adtributor  Bhagwan et al., "Adtributor: Revenue Debugging in Advertising Systems", NSDI 2014.
    hotspot     Sun et al., "HotSpot: Anomaly Localization for Additive KPIs With Multi-Dimensional
                Attributes", IEEE Access 6, 2018.
    squeeze     Li et al., "Generic and Robust Localization of Multi-Dimensional Root Causes", ISSRE 2019.
    riskloc     Kalander, "RiskLoc: Localization of Multi-dimensional Root Causes by Weighted Risk",
                arXiv:2205.10004, 2022.

AutoRoot (Jing et al., 2021) is not implemented.

Input and scoring are those of `goalpost localize`: DIR holds injection_info.csv (timestamp,set) and one
TIMESTAMP.csv per instance (attribute columns, real, predict), or subfolders that each do; rows with
real = predict = 0 are skipped; a true positive is an exact element match (a set of attr=value pairs); F1,
precision and recall are micro-averaged over the instances of a setting; ms is the localization call alone
(parsing, including interning attribute values as integers, is excluded, as in goalpost).

    python3 scripts/bench/localize_baselines.py --input DIR --method adtributor|riskloc|squeeze|hotspot|all
        [--csv OUT.csv] [--max-depth 3]
    python3 scripts/bench/localize_baselines.py --report GOALPOST.csv BASELINES.csv   # side-by-side table
"""
import argparse
import csv
import itertools
import math
import os
import sys
import time

DEBUG = bool(os.environ.get("LOCALIZE_DEBUG"))  # LOCALIZE_DEBUG=1: Squeeze prints its clusters on stderr

# ----------------------------------------------------------------------------------------------------------------
# Data: a shared loader and scorer
# ----------------------------------------------------------------------------------------------------------------


class Cube:
    """One instance: per dimension the distinct values and each leaf's value index; real and predict per leaf."""

    __slots__ = ("dims", "values", "codes", "real", "predict")

    def __init__(self, dims, values, codes, real, predict):
        self.dims = dims  # dimension names, column order
        self.values = values  # per dimension, its distinct values
        self.codes = codes  # per dimension, one value index per leaf
        self.real = real
        self.predict = predict

    def notation(self, element):
        """An element, a tuple of (dimension index, value index) pairs, as frozenset({"a=a1", "b=b2"})."""
        return frozenset(f"{self.dims[d]}={self.values[d][c]}" for d, c in element)


def read_cube(path):
    with open(path, newline="") as f:
        header = [c.strip() for c in f.readline().strip().split(",")]
        real_col, predict_col = header.index("real"), header.index("predict")
        attr_cols = [i for i, c in enumerate(header) if c not in ("real", "predict", "label")]
        index = [{} for _ in attr_cols]
        values = [[] for _ in attr_cols]
        codes = [[] for _ in attr_cols]
        real, predict = [], []
        for line in f:
            line = line.strip()
            if not line:
                continue
            fields = line.split(",")
            r, p = float(fields[real_col]), float(fields[predict_col])
            if r == 0 and p == 0:
                continue  # as goalpost: cannot deviate
            for k, col in enumerate(attr_cols):
                value = fields[col].strip()
                code = index[k].get(value)
                if code is None:
                    code = index[k][value] = len(values[k])
                    values[k].append(value)
                codes[k].append(code)
            real.append(r)
            predict.append(p)
    return Cube([header[i] for i in attr_cols], values, codes, real, predict)


def parse_set(notation):
    """`a=a1&b=b2;c=c3` -> [frozenset({'a=a1', 'b=b2'}), frozenset({'c=c3'})]."""
    out = []
    for element in notation.split(";"):
        pairs = frozenset(p.strip() for p in element.split("&") if p.strip())
        if pairs:
            out.append(pairs)
    return out


def format_set(elements):
    return ";".join("&".join(sorted(e)) for e in elements)


def read_injections(folder):
    with open(os.path.join(folder, "injection_info.csv"), newline="") as f:
        return [(row["timestamp"].strip(), parse_set(row["set"].strip().strip('"'))) for row in csv.DictReader(f)]


def setting_folders(root):
    if os.path.exists(os.path.join(root, "injection_info.csv")):
        return [root]
    return sorted(
        os.path.join(root, name)
        for name in os.listdir(root)
        if os.path.exists(os.path.join(root, name, "injection_info.csv"))
    )


class Score:
    __slots__ = ("tp", "fp", "fn")

    def __init__(self, predicted=(), truth=()):
        p, t = set(predicted), set(truth)
        self.tp = len(p & t)
        self.fp = len(p) - self.tp
        self.fn = len(t) - self.tp

    def __iadd__(self, other):
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    @property
    def precision(self):
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self):
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self):
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


# ----------------------------------------------------------------------------------------------------------------
# Cuboids: a leaf's element in a cuboid is one integer (mixed radix over the cuboid's dimensions)
# ----------------------------------------------------------------------------------------------------------------


class Cuboids:
    """Per-call cache of each leaf's element key per cuboid (built inside the timed call, never shared)."""

    def __init__(self, cube, max_depth):
        self.cube = cube
        depth = min(max_depth, len(cube.dims))
        self.layers = [list(itertools.combinations(range(len(cube.dims)), k)) for k in range(1, depth + 1)]
        self._keys = {}

    def keys(self, cuboid):
        keys = self._keys.get(cuboid)
        if keys is None:
            codes, values = self.cube.codes, self.cube.values
            keys = codes[cuboid[0]]
            for d in cuboid[1:]:
                radix = len(values[d])
                keys = [k * radix + c for k, c in zip(keys, codes[d])]
            self._keys[cuboid] = keys
        return keys

    def element(self, cuboid, key):
        """The element of `key` in `cuboid`, as ((dimension, value index), ...)."""
        pairs = []
        for d in reversed(cuboid):
            radix = len(self.cube.values[d])
            pairs.append((d, key % radix))
            key //= radix
        return tuple(reversed(pairs))


def deviation_score(f, v):
    """Squeeze's deviation score 2(f - v) / (f + v): 0 for no change, +2 for a leaf that dropped to 0."""
    return 2 * (f - v) / (f + v) if f + v > 0 else 0.0


# ----------------------------------------------------------------------------------------------------------------
# Adtributor (Bhagwan et al., NSDI 2014)
# ----------------------------------------------------------------------------------------------------------------


def adtributor(cube, max_depth=3, t_eep=0.1, t_ep=0.67, n_dims=1):
    """Adtributor, Algorithm 1 of the paper, one dimension at a time.

    Per element j of dimension i, with forecast F_ij and actual A_ij (totals F, A):
      explanatory power EP_ij = (A_ij - F_ij) / (A - F)
      surprise S_ij = JS divergence term of p = F_ij / F and q = A_ij / A:
                      0.5 * (p log(2p / (p + q)) + q log(2q / (p + q)))
    Elements are taken in decreasing surprise; those with EP > T_EEP join the dimension's candidate set until the
    set's EP exceeds T_EP (else the dimension yields nothing). Candidate sets are ranked by total surprise.
    Thresholds are the paper's (T_EEP = 10%, T_EP = 67%). The paper reports the top 3 explanations to an
    operator; scored as a single prediction we return the most surprising one (n_dims = 1), which is what the
    exact-match protocol rewards, as the true set lies in one dimension when Adtributor can find it at all.
    Adtributor only ever returns depth-1 elements (one attribute): deeper causes are out of its reach.
    `max_depth` is unused (kept for a uniform signature).
    """
    f, v = cube.predict, cube.real
    F, A = sum(f), sum(v)
    if A == F or F <= 0 or A <= 0:
        return []
    explanations = []
    for d in range(len(cube.dims)):
        n = len(cube.values[d])
        fs, vs = [0.0] * n, [0.0] * n
        for c, fi, vi in zip(cube.codes[d], f, v):
            fs[c] += fi
            vs[c] += vi
        scored = []
        for j in range(n):
            p, q = fs[j] / F, vs[j] / A
            s = 0.0
            if p > 0:
                s += 0.5 * p * math.log(2 * p / (p + q))
            if q > 0:
                s += 0.5 * q * math.log(2 * q / (p + q))
            scored.append((s, (vs[j] - fs[j]) / (A - F), j))
        scored.sort(reverse=True)
        chosen, explains, surprise = [], 0.0, 0.0
        for s, ep, j in scored:
            if ep > t_eep:
                chosen.append(j)
                explains += ep
                surprise += s
            if explains > t_ep:
                explanations.append((surprise, d, chosen))
                break
    explanations.sort(key=lambda e: -e[0])
    return [((d, j),) for _, d, chosen in explanations[:n_dims] for j in chosen]


# ----------------------------------------------------------------------------------------------------------------
# RiskLoc (Kalander, 2022)
# ----------------------------------------------------------------------------------------------------------------


def riskloc(cube, max_depth=3, t_risk=0.5, t_pep=0.02):
    """RiskLoc as described in the paper (risk threshold 0.5 and proportional-EP threshold 0.02, its defaults).

    1. Deviation score d per leaf (Squeeze's), signed so the anomaly's direction (sign of the total change) is
       positive.
    2. 2-way partition: cutoff t = the largest deviation in the opposite direction (|min d|, 0 if none), taken
       as the reach of noise; leaves with d > t are abnormal.
    3. Weights that grow linearly with the distance from the partition point: abnormal leaves min(1, |d|),
       normal leaves min(1, |t - d|) (a normal leaf just under the cutoff weighs little).
    4. Risk of element e = r1 - r2, where
       r1 = W_abnormal(e) / (W_abnormal(e) + W_normal(e))   (weighted proportion within the abnormal partition)
       r2 = (d(abnormal leaves of e) - d(e)) / d(abnormal leaves of e), clipped to [0, 1], with d(.) the
            deviation score of the summed f and v: the relative change of the deviation score from the
            element's abnormal leaves to the whole element. Under the ripple effect a cause's leaves all share
            its deviation (r2 ~ 0); a parent that mixes in normal leaves dilutes it (r2 -> 1).
       The paper's exact r2 formula was not available offline; this is our reading of its description
       ("the relative change in the deviation score adjusted for the ripple effect property"). A per-leaf
       reading (sum |deviation from f V(e)/F(e)| / sum |d| over e's leaves) did worse on our development seed.
    5. Search by cuboid layer 1, 2, 3 (early stop: the first layer holding an element with risk >= t_risk and
       explanatory power >= t_pep x the total wins); the highest-risk element is taken, its leaves removed, and
       the search repeats while abnormal leaves remain and they still carry >= t_pep of the total change.
    """
    f, v = cube.predict, cube.real
    n = len(f)
    F, V = sum(f), sum(v)
    if F == V or n == 0:
        return []
    sign = 1.0 if F > V else -1.0
    total = sign * (F - V)
    dev = [sign * deviation_score(fi, vi) for fi, vi in zip(f, v)]
    cutoff = max(0.0, -min(dev))
    abnormal = [d > cutoff for d in dev]
    weight = [min(1.0, abs(d)) if a else min(1.0, abs(cutoff - d)) for d, a in zip(dev, abnormal)]
    alive = [True] * n
    abnormal_alive = [i for i in range(n) if abnormal[i]]
    cuboids = Cuboids(cube, max_depth)
    stats = {}  # cuboid -> (normal weight, F, V, members) per key over alive leaves

    def cuboid_stats(cuboid):
        s = stats.get(cuboid)
        if s is None:
            wn, fe, ve, members = {}, {}, {}, {}
            for i, k in enumerate(cuboids.keys(cuboid)):
                if not alive[i]:
                    continue
                if k in members:
                    members[k].append(i)
                    fe[k] += f[i]
                    ve[k] += v[i]
                    if not abnormal[i]:
                        wn[k] += weight[i]
                else:
                    members[k] = [i]
                    fe[k] = f[i]
                    ve[k] = v[i]
                    wn[k] = 0.0 if abnormal[i] else weight[i]
            s = stats[cuboid] = (wn, fe, ve, members)
        return s

    found = []
    while abnormal_alive and sum(sign * (f[i] - v[i]) for i in abnormal_alive) >= t_pep * total:
        best = None
        for layer in cuboids.layers:
            for cuboid in layer:
                keys = cuboids.keys(cuboid)
                wa, fa, va = {}, {}, {}
                for i in abnormal_alive:
                    k = keys[i]
                    if k in wa:
                        wa[k] += weight[i]
                        fa[k] += f[i]
                        va[k] += v[i]
                    else:
                        wa[k], fa[k], va[k] = weight[i], f[i], v[i]
                wn, fe, ve, members = cuboid_stats(cuboid)
                for k, w in wa.items():
                    r1 = w / (w + wn[k]) if w + wn[k] > 0 else 0.0
                    if r1 < t_risk:
                        continue  # risk = r1 - r2 <= r1
                    ep = sign * (fe[k] - ve[k]) / total
                    if ep < t_pep or fe[k] <= 0:
                        continue
                    d_abnormal = sign * deviation_score(fa[k], va[k])
                    d_element = sign * deviation_score(fe[k], ve[k])
                    r2 = min(1.0, max(0.0, (d_abnormal - d_element) / d_abnormal)) if d_abnormal > 0 else 1.0
                    risk = r1 - r2
                    if risk >= t_risk and (best is None or (risk, ep) > (best[0], best[1])):
                        best = (risk, ep, cuboid, k)
            if best is not None:
                break  # early stop: no deeper layer once one holds a root cause
        if best is None:
            break
        _, _, cuboid, key = best
        found.append(cuboids.element(cuboid, key))
        removed = [i for i in stats[cuboid][3][key] if alive[i]]
        for i in removed:
            alive[i] = False
        for c, (wn, fe, ve, _) in stats.items():  # keep the per-element sums over alive leaves
            keys = cuboids.keys(c)
            for i in removed:
                k = keys[i]
                fe[k] -= f[i]
                ve[k] -= v[i]
                if not abnormal[i]:
                    wn[k] -= weight[i]
        abnormal_alive = [i for i in abnormal_alive if alive[i]]
    return found


# ----------------------------------------------------------------------------------------------------------------
# Squeeze (Li et al., ISSRE 2019)
# ----------------------------------------------------------------------------------------------------------------


def knee_threshold(amounts):
    """The knee of the descending sorted curve (kneedle: farthest point below the normalized chord)."""
    ys = sorted(amounts, reverse=True)
    n = len(ys)
    if n < 3 or ys[0] <= ys[-1]:
        return 0.0
    top, low = ys[0], ys[-1]
    best, knee = -1.0, 0
    for i, y in enumerate(ys):
        gap = 1.0 - i / (n - 1) - (y - low) / (top - low)
        if gap > best:
            best, knee = gap, i
    return ys[knee]


def density_clusters(values, bin_width=0.01, bandwidth=0.03):
    """Split 1-D values at the local minima of a Gaussian-smoothed histogram; returns a cluster label per value."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    bins = max(1, int(math.ceil((hi - lo) / bin_width)) + 1)
    hist = [0] * bins
    index = [min(bins - 1, int((x - lo) / bin_width)) for x in values]
    for b in index:
        hist[b] += 1
    radius = max(1, int(3 * bandwidth / bin_width))
    kernel = [math.exp(-0.5 * (k * bin_width / bandwidth) ** 2) for k in range(-radius, radius + 1)]
    smooth = [
        sum(hist[b + k] * kernel[k + radius] for k in range(-radius, radius + 1) if 0 <= b + k < bins) for b in range(bins)
    ]
    # Valleys: strict local minima (plateaus count once) between two higher peaks.
    splits = []
    b = 1
    while b < bins - 1:
        e = b
        while e + 1 < bins - 1 and smooth[e + 1] == smooth[b]:
            e += 1
        if smooth[b - 1] > smooth[b] and smooth[e + 1] > smooth[b]:
            splits.append((b + e) // 2)
        b = e + 1
    label_of_bin, label = [], 0
    for b in range(bins):
        if splits and label < len(splits) and b > splits[label]:
            label += 1
        label_of_bin.append(label)
    return [label_of_bin[b] for b in index]


def squeeze(cube, max_depth=3, max_set=8, succinctness=0.2, min_gps=0.1):
    """Squeeze, simplified where noted.

    1. Deviation score d per leaf; leaves whose |d| is under the knee of its sorted curve are filtered out as
       normal. (Squeeze's filter also takes a knee point; we take it on |d| rather than on the raw amount
       |v - f|, which on log-normal leaves mostly measures leaf size and dropped most abnormal leaves.)
    2. Deviation-score clustering: histogram of the remaining leaves' d (bin 0.01), smoothed with a Gaussian
       kernel (bandwidth 0.03, our choice; Squeeze derives its own), split at the density's local minima.
    3. Per cluster, per cuboid (layers 1..3): elements ranked by descended ratio (share of their leaves in the
       cluster); each prefix S of up to `max_set` elements is scored by the generalized potential score
         GPS(S) = 1 - (mean_{S1}|v - a| + mean_{S2}|v - f|) / (mean_{S1}|v - f| + mean_{S2}|v - f|),
       S1 = leaves under S, S2 = the cluster's leaves not under S, a = f V(S1)/F(S1) (the ripple effect).
       Across cuboids the set maximizing GPS - succinctness x layer x |S| wins (the succinctness tie-break).
       The union over clusters is returned.
    Our choices where the paper's detail was not at hand (made on a separate development seed, before the
    benchmark run, to give Squeeze its best F1 there): S2 restricted to the cluster (over all leaves, the mean
    is diluted by normal leaves and a small child of the cause scores as well as the cause); succinctness
    weight 0.2; a cluster whose best set has GPS < 0.1 is taken for noise and yields nothing (without this,
    every noise cluster added a false positive). Cuboids are searched exhaustively up to depth 3.
    """
    f, v = cube.predict, cube.real
    n = len(f)
    if n == 0 or sum(f) == sum(v):
        return []
    dev = [deviation_score(fi, vi) for fi, vi in zip(f, v)]
    diff = [abs(vi - fi) for fi, vi in zip(f, v)]
    threshold = knee_threshold([abs(d) for d in dev])
    candidates = [i for i in range(n) if abs(dev[i]) > threshold and diff[i] > 0]
    if not candidates:
        return []
    clusters = {}
    for i, label in zip(candidates, density_clusters([dev[i] for i in candidates])):
        clusters.setdefault(label, []).append(i)
    cuboids = Cuboids(cube, max_depth)
    members_of = {}
    result = []
    for cluster in clusters.values():
        in_cluster = set(cluster)
        cluster_abs = sum(diff[i] for i in cluster)
        best = None
        for layer_index, layer in enumerate(cuboids.layers, start=1):
            for cuboid in layer:
                keys = cuboids.keys(cuboid)
                members = members_of.get(cuboid)
                if members is None:
                    members = members_of[cuboid] = {}
                    for i, k in enumerate(keys):
                        if k in members:
                            members[k].append(i)
                        else:
                            members[k] = [i]
                hits = {}
                for i in cluster:
                    hits[keys[i]] = hits.get(keys[i], 0) + 1
                ranked = sorted(hits, key=lambda k: (-hits[k] / len(members[k]), -hits[k]))[:max_set]
                n1 = covered = 0
                f1 = v1 = abs1 = covered_abs = 0.0
                s1 = []
                for size, k in enumerate(ranked, start=1):
                    for i in members[k]:
                        f1 += f[i]
                        v1 += v[i]
                        abs1 += diff[i]
                        if i in in_cluster:
                            covered += 1
                            covered_abs += diff[i]
                    s1.extend(members[k])
                    n1 = len(s1)
                    if f1 <= 0:
                        continue
                    ratio = v1 / f1
                    fit1 = sum(abs(v[i] - f[i] * ratio) for i in s1)
                    n2 = len(cluster) - covered
                    mean2 = (cluster_abs - covered_abs) / n2 if n2 else 0.0
                    denominator = abs1 / n1 + mean2
                    if denominator <= 0:
                        continue
                    gps = 1 - (fit1 / n1 + mean2) / denominator
                    score = gps - succinctness * layer_index * size
                    if best is None or score > best[0]:
                        best = (score, gps, cuboid, ranked[:size])
        if DEBUG:
            print("squeeze cluster", len(cluster), best and (round(best[1], 3), [cuboids.element(best[2], k) for k in best[3]]),
                  file=sys.stderr)
        if best is not None and best[1] >= min_gps:
            _, _, cuboid, chosen = best
            for k in chosen:
                element = cuboids.element(cuboid, k)
                if element not in result:
                    result.append(element)
    return result


# ----------------------------------------------------------------------------------------------------------------
# HotSpot (Sun et al., 2018)
# ----------------------------------------------------------------------------------------------------------------


class _Node:
    __slots__ = ("elements", "ps", "q", "visits", "children", "untried")

    def __init__(self, elements, ps, untried):
        self.elements, self.ps, self.q, self.visits = elements, ps, ps, 0
        self.children, self.untried = [], untried


def hotspot(cube, max_depth=3, pt=0.8, iterations=100, exploration=1.0, top=10):
    """HotSpot: per cuboid, Monte Carlo tree search over element sets scored by the potential score.

    Potential score (ripple effect): leaves under an element x of S are expected at a_i = f_i V(x)/F(x), the
    others at f_i; PS(S) = max(0, 1 - ||v - a|| / ||v - f||) (Euclidean over all leaves). Per element the sums
    of f^2, v f, v^2 make PS(S) O(|S|) for disjoint elements (one cuboid). MCTS: a node is a set, a child adds
    one element; selection by UCB Q + c sqrt(ln N / n) with Q the best PS in the subtree, expansion in
    decreasing single-element PS, no rollout (the node's own PS is its reward), backup of the max; a cuboid's
    search stops when a set reaches PS >= PT or after `iterations`. Layers 1..3 are searched in order and the
    search stops at the first layer whose best set reaches PT; otherwise the best set seen is returned.
    As in the paper, the result lies in one cuboid (causes in different cuboids cannot all be found).
    Simplified: HotSpot's hierarchical pruning is replaced by keeping each cuboid's `top` elements by single
    PS; PT = 0.8, 100 iterations per cuboid and c = 1 are our choices.
    """
    f, v = cube.predict, cube.real
    energy = sum((vi - fi) ** 2 for fi, vi in zip(f, v))
    if energy <= 0:
        return []
    cuboids = Cuboids(cube, max_depth)
    overall = None

    def score(gain):
        return max(0.0, 1.0 - math.sqrt(max(0.0, energy - gain) / energy))

    for layer in cuboids.layers:
        layer_best = None
        for cuboid in layer:
            agg = {}
            for k, fi, vi in zip(cuboids.keys(cuboid), f, v):
                a = agg.get(k)
                if a is None:
                    agg[k] = [fi, vi, fi * fi, vi * fi, vi * vi]
                else:
                    a[0] += fi
                    a[1] += vi
                    a[2] += fi * fi
                    a[3] += vi * fi
                    a[4] += vi * vi
            gains = {}
            for k, (fe, ve, ff, vf, vv) in agg.items():
                if fe <= 0:
                    continue
                r = ve / fe
                g = (vv - 2 * vf + ff) - (vv - 2 * r * vf + r * r * ff)
                if g > 0:
                    gains[k] = g
            ranked = sorted(gains, key=lambda k: -gains[k])[:top]
            if not ranked:
                continue
            root = _Node((), 0.0, list(ranked))
            best = (0.0, ())
            for _ in range(iterations):
                node, path = root, [root]
                while not node.untried and node.children:  # selection
                    parent = node
                    node = max(
                        parent.children,
                        key=lambda ch: ch.q + exploration * math.sqrt(math.log(parent.visits + 1) / (ch.visits + 1)),
                    )
                    path.append(node)
                if node.untried:  # expansion: the best untried element first
                    k = node.untried.pop(0)
                    elements = node.elements + (k,)
                    ps = score(sum(gains[e] for e in elements))
                    child = _Node(elements, ps, [e for e in ranked if e not in elements])
                    node.children.append(child)
                    path.append(child)
                    node = child
                reward = node.ps
                for p in path:  # backup
                    p.visits += 1
                    p.q = max(p.q, reward)
                if reward > best[0] or (reward == best[0] and len(node.elements) < len(best[1])):
                    best = (reward, node.elements)
                if reward >= pt:
                    break
            if best[1] and (layer_best is None or best[0] > layer_best[0]):
                layer_best = (best[0], cuboid, best[1])
        if layer_best is not None and (overall is None or layer_best[0] > overall[0]):
            overall = layer_best
        if overall is not None and overall[0] >= pt:
            break
    if overall is None:
        return []
    _, cuboid, keys = overall
    return [cuboids.element(cuboid, k) for k in keys]


METHODS = {"adtributor": adtributor, "hotspot": hotspot, "riskloc": riskloc, "squeeze": squeeze}

# ----------------------------------------------------------------------------------------------------------------
# Runner
# ----------------------------------------------------------------------------------------------------------------


def run(root, methods, max_depth, csv_path=None):
    rows = []
    summary = {}  # (method, setting) -> (Score, [ms])
    for folder in setting_folders(root):
        setting = os.path.basename(os.path.normpath(folder))
        for timestamp, truth in read_injections(folder):
            cube = read_cube(os.path.join(folder, f"{timestamp}.csv"))
            for name in methods:
                start = time.perf_counter()
                elements = METHODS[name](cube, max_depth=max_depth)
                ms = (time.perf_counter() - start) * 1000
                predicted = [cube.notation(e) for e in elements]
                score = Score(predicted, truth)
                total, times = summary.setdefault((name, setting), (Score(), []))
                total += score
                times.append(ms)
                rows.append(
                    [name, setting, timestamp, format_set(predicted), format_set(truth),
                     f"{score.f1:.3f}", f"{score.precision:.3f}", f"{score.recall:.3f}", f"{ms:.2f}"]
                )
    if csv_path:
        with open(csv_path, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["method", "setting", "timestamp", "predicted", "truth", "f1", "precision", "recall", "ms"])
            writer.writerows(rows)
    for name in methods:
        print(f"\n{name}")
        print("setting            instances     F1  precision  recall   ms/instance (mean, max)")
        overall, all_ms = Score(), []
        for (method, setting), (score, times) in summary.items():
            if method != name:
                continue
            overall += score
            all_ms += times
            print(f"{setting:<18} {len(times):>9} {score.f1:>6.3f} {score.precision:>10.3f} {score.recall:>7.3f}   "
                  f"{sum(times) / len(times):.1f}, {max(times):.1f}")
        if all_ms:
            print(f"{'all':<18} {len(all_ms):>9} {overall.f1:>6.3f} {overall.precision:>10.3f} {overall.recall:>7.3f}   "
                  f"{sum(all_ms) / len(all_ms):.1f}, {max(all_ms):.1f}")


def setting_label(setting):
    """d2_n0.05 -> ('2', '5%'); other names are kept as they are."""
    if setting.startswith("d") and "_n" in setting:
        depth, noise = setting[1:].split("_n", 1)
        try:
            return depth, f"{float(noise) * 100:g}%"
        except ValueError:
            pass
    return setting, ""


def report(goalpost_csv, baselines_csv):
    """Markdown: per setting and method, F1 and mean ms per instance; then per method overall F1, precision,
    recall, mean ms and the speed ratio to goalpost (baseline ms / goalpost ms)."""
    results = {}  # method -> setting -> (Score, [ms])
    order = []

    def add(method, setting, predicted, truth, ms):
        if method not in results:
            results[method] = {}
            order.append(method)
        score, times = results[method].setdefault(setting, (Score(), []))
        score += Score(parse_set(predicted), parse_set(truth))
        times.append(float(ms))

    with open(goalpost_csv, newline="") as f:
        for row in csv.DictReader(f):
            add("goalpost", row["setting"], row["predicted"], row["truth"], row["ms"])
    with open(baselines_csv, newline="") as f:
        for row in csv.DictReader(f):
            add(row["method"], row["setting"], row["predicted"], row["truth"], row["ms"])

    def order_key(s):
        depth, noise = setting_label(s)
        try:
            return (0, int(depth), float(noise.rstrip("%")), s)
        except ValueError:
            return (1, 0, 0.0, s)

    settings = sorted({s for per in results.values() for s in per}, key=order_key)
    print("F1 / mean ms per instance:")
    print()
    print("| depth | noise | " + " | ".join(order) + " |")
    print("|---|---|" + "---|" * len(order))
    for s in settings:
        depth, noise = setting_label(s)
        cells = []
        for m in order:
            score, times = results[m].get(s, (None, []))
            cells.append(f"{score.f1:.3f} / {sum(times) / len(times):.1f}" if times else "–")
        print(f"| {depth} | {noise} | " + " | ".join(cells) + " |")
    overall = {}
    for m in order:
        total, times = Score(), []
        for score, ms in results[m].values():
            total += score
            times += ms
        overall[m] = (total, sum(times) / len(times) if times else 0.0, len(times))
    print("| all | all | " + " | ".join(f"**{overall[m][0].f1:.3f} / {overall[m][1]:.1f}**" for m in order) + " |")
    print()
    base = overall.get("goalpost", (None, 0.0, 0))[1]
    print("| method | instances | F1 | precision | recall | mean ms per instance | ms / goalpost ms |")
    print("|---|---|---|---|---|---|---|")
    for m in order:
        score, ms, count = overall[m]
        ratio = f"{ms / base:.1f}" if base > 0 else "–"
        print(f"| {m} | {count} | {score.f1:.3f} | {score.precision:.3f} | {score.recall:.3f} | {ms:.1f} | {ratio} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", help="a dataset folder, or a folder of dataset folders")
    parser.add_argument("--method", default="all", choices=sorted(METHODS) + ["all"])
    parser.add_argument("--max-depth", type=int, default=3, help="the most attributes in one element (default 3)")
    parser.add_argument("--csv", help="write one row per method and instance here")
    parser.add_argument("--report", nargs=2, metavar=("GOALPOST_CSV", "BASELINES_CSV"),
                        help="print the side-by-side table of a goalpost localize --output file and a --csv file")
    args = parser.parse_args()
    if args.report:
        report(*args.report)
        return
    if not args.input:
        parser.error("--input is required (or --report)")
    if not setting_folders(args.input):
        sys.exit(f"{args.input}: no injection_info.csv here or in a subfolder")
    methods = ["adtributor", "riskloc", "squeeze", "hotspot"] if args.method == "all" else [args.method]
    run(args.input, methods, args.max_depth, args.csv)


if __name__ == "__main__":
    main()
