#!/usr/bin/env python3
"""Generate localization datasets in the Squeeze format with known root causes.

Layout written under OUT, one folder per setting (depth x noise):

    OUT/d{depth}_n{noise}/injection_info.csv     timestamp,set   (set: a=a1&b=b2;c=c3)
    OUT/d{depth}_n{noise}/{timestamp}.csv        a,b,c,d,real,predict   (one row per leaf)

Every leaf gets a forecast `predict` (log-normal, like per-leaf traffic), and `real` = predict x (1 + e) with
e ~ N(0, noise). Each instance injects 1 to 3 disjoint root-cause elements with `depth` attributes each; every
leaf under a cause gets real = predict x (1 - m) (+ noise), with one magnitude m in [0.2, 0.9] per cause (the
"ripple effect": a cause moves its leaves in proportion to their size). Causes smaller than 0.1% of the total
forecast are redrawn, as a change that small is below any detector's reach.

    python3 scripts/gen_squeeze.py --out /tmp/squeeze --instances 20 --seed 1
    python3 scripts/gen_squeeze.py --out DIR --small      # the test fixture: 3 small dimensions
    python3 scripts/gen_squeeze.py --out DIR --hard       # same settings, causes that break the easy assumptions

--hard (same layout, dimensions and settings; without it the output is unchanged) relaxes what makes the
default data easy: causes may overlap (a leaf under two causes gets both changes), about a third of them
raise their leaves instead of lowering them (by 20-100%), and the ripple effect holds only roughly: each
leaf under a cause is hit with probability 0.8, by the cause's magnitude times a factor in [0.5, 1.5].
"""
import argparse
import math
import os
import random


class Ripple:
    """The default mode: disjoint causes, each lowering all its leaves by one magnitude in [0.2, 0.9]."""

    @staticmethod
    def overlaps(causes, element):
        # Two elements overlap unless they differ on a shared dimension.
        return any(all(other.get(c, v) == v for c, v in element.items()) for other, _ in causes)

    @staticmethod
    def change(rng):
        return rng.uniform(0.2, 0.9)

    @staticmethod
    def real(rng, leaf, p, causes, noise):
        real = p * (1 + rng.gauss(0, noise)) if noise > 0 else p
        for element, m in causes:
            if all(leaf[c] == v for c, v in element.items()):
                real = p * (1 - m) * (1 + rng.gauss(0, noise)) if noise > 0 else p * (1 - m)
        return real


class Uneven:
    """The hard mode: causes may overlap (not repeat), a third of them raise their leaves, and each leaf under a
    cause is hit with probability 0.8 by the cause's change x 0.5-1.5 (off the ripple effect)."""

    @staticmethod
    def overlaps(causes, element):
        return any(other == element for other, _ in causes)

    @staticmethod
    def change(rng):
        return rng.uniform(0.2, 1.0) if rng.random() < 1 / 3 else -rng.uniform(0.2, 0.9)

    @staticmethod
    def real(rng, leaf, p, causes, noise):
        factor = 1.0
        for element, change in causes:
            if all(leaf[c] == v for c, v in element.items()) and rng.random() < 0.8:
                factor *= max(0.0, 1 + change * rng.uniform(0.5, 1.5))
        return p * factor * (1 + rng.gauss(0, noise)) if noise > 0 else p * factor


def generate(out, dims, depths, noises, instances, seed, mode=Ripple):
    rng = random.Random(seed)
    names = list(dims)
    leaves = [[]]
    for name in names:
        leaves = [leaf + [f"{name}{v}"] for leaf in leaves for v in range(1, dims[name] + 1)]
    for depth in depths:
        for noise in noises:
            folder = os.path.join(out, f"d{depth}_n{noise}")
            os.makedirs(folder, exist_ok=True)
            rows = []
            for k in range(instances):
                timestamp = 1_600_000_000 + 300 * k
                predict = [round(math.exp(rng.gauss(2.0, 1.2)), 2) for _ in leaves]
                total = sum(predict)
                causes = []  # (element, change)
                for _ in range(rng.randint(1, 3)):
                    for _attempt in range(200):
                        cols = sorted(rng.sample(range(len(names)), depth))
                        element = {c: f"{names[c]}{rng.randint(1, dims[names[c]])}" for c in cols}
                        if mode.overlaps(causes, element):
                            continue
                        share = sum(p for leaf, p in zip(leaves, predict) if all(leaf[c] == v for c, v in element.items()))
                        if share >= 0.001 * total:
                            causes.append((element, mode.change(rng)))
                            break
                with open(os.path.join(folder, f"{timestamp}.csv"), "w") as f:
                    f.write(",".join(names) + ",real,predict\n")
                    for leaf, p in zip(leaves, predict):
                        real = mode.real(rng, leaf, p, causes, noise)
                        f.write(",".join(leaf) + f",{max(0.0, real):.2f},{p:.2f}\n")
                notation = ";".join("&".join(f"{names[c]}={v}" for c, v in sorted(e.items())) for e, _ in causes)
                rows.append(f"{timestamp},{notation}")
            with open(os.path.join(folder, "injection_info.csv"), "w") as f:
                f.write("timestamp,set\n" + "\n".join(rows) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="3 small dimensions, depth 1-2, 4 instances each")
    parser.add_argument("--hard", action="store_true",
                        help="overlapping causes, rises as well as drops, leaves off the ripple effect (see above)")
    args = parser.parse_args()
    if args.hard:
        dims = {"a": 5, "b": 4, "c": 6} if args.small else {"a": 10, "b": 12, "c": 8, "d": 20}
        depths, noises = ([1, 2], [0.05]) if args.small else ([1, 2, 3], [0.0, 0.05, 0.1, 0.2])
        generate(args.out, dims, depths, noises, 4 if args.small else args.instances, args.seed, Uneven)
    elif args.small:
        generate(args.out, {"a": 5, "b": 4, "c": 6}, [1, 2], [0.05], 4, args.seed)
    else:
        # a, b, c, d with 10, 12, 8 and 20 values: 19,200 leaves per instance.
        generate(args.out, {"a": 10, "b": 12, "c": 8, "d": 20}, [1, 2, 3], [0.0, 0.05, 0.1, 0.2], args.instances, args.seed)


if __name__ == "__main__":
    main()
