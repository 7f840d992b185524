"""How well the grading reads real PubMed records, beside the targets it is held to.

    PYTHONPATH=src python bench/grading.py [--set DIR ...] [--misses] [--holdout-misses]

Measures the real labelled records of tests/fixtures/real-pubmed/ (and of any other --set
directory holding a labels.toml and the XML it names), on the holdout and the tune split:
design right as PubMed serves the record and with MeSH and publication types removed (as records
"in process" arrive), per design and overall; evidence level; preclinical records graded as
clinical; participants right, wrong, missed or invented; notices told apart from studies.

`--misses` lists the tune split's records graded wrong; the holdout's are listed only with
`--holdout-misses`, so that reading misses to improve the rules never shows the held-out part.
The records of the field written blind to the rules (tests/fixtures/written-field/) are
printed last: they test the field's wording and measure nothing of accuracy.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

# The measuring code is shared with the tests (tests/test_grading.py holds the floors).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from real_records import (
    COMMITTED,
    WRITTEN,
    Labelled,
    Report,
    Score,
    load,
    load_written,
    measure,
    split,
)

TARGETS = {
    "design": 0.95,
    "design_unindexed": 0.90,
    "level": 0.97,
    "participants": 0.75,
}


def pct(x: float) -> str:
    return f"{100 * x:5.1f} %"


def wilson(right: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a share of `right` in `n`: how far a figure measured
    on this many records may sit from the grading's accuracy on records like them."""
    share = right / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def share_with_interval(score: Score) -> str:
    low, high = wilson(sum(score.right.values()), score.count)
    return f"{pct(score.share)} (95 % interval {100 * low:.0f}-{100 * high:.0f} %)"


def print_report(title: str, report: Report) -> None:
    print(f"\n{title}: {report.records} records")
    if not report.records:
        return
    print(f"  {'design':<20} {'n':>4} {'as indexed':>11} {'unindexed':>10}")
    for design in sorted(report.design.total, key=lambda d: -report.design.total[d]):
        n = report.design.total[design]
        print(
            f"  {design:<20} {n:>4} {report.design.right[design]:>6}/{n:<4}"
            f" {report.design_unindexed.right[design]:>5}/{n:<4}"
        )
    stated = report.participants_stated
    rows = [
        ("design right, as indexed", share_with_interval(report.design), ">= 95 %"),
        ("design right, unindexed", share_with_interval(report.design_unindexed), ">= 90 %"),
        ("evidence level right", share_with_interval(report.level), ">= 97 %"),
        (
            "preclinical among clinical",
            f"{report.preclinical_among_clinical} (unindexed "
            f"{report.preclinical_among_clinical_unindexed})",
            "0",
        ),
        (
            "participants right",
            f"{report.participants_right}/{stated}"
            + (f" = {pct(report.participants_right / stated)}" if stated else ""),
            ">= 75 % of stated",
        ),
        (
            "participants wrong",
            f"{report.participants_wrong} (+ {report.participants_invented} where none"
            f" is stated; {report.participants_empty} left empty)",
            "0",
        ),
        (
            "notices told apart",
            f"{report.notices.right['notice']}/{report.notices.total['notice']} notices, "
            f"{report.notices.right['comment']}/{report.notices.total['comment']} comments, "
            f"{report.notices.total['study'] - report.notices.right['study']} studies taken"
            " for notices",
            "100 %",
        ),
    ]
    for name, value, target in rows:
        print(f"  {name:<28} {value:<44} target {target}")
    agreed, disputed = report.design_agreed, report.design_disputed
    read_twice = agreed.count + disputed.count
    if read_twice:
        print(
            f"  read by more than one reader: {read_twice}; readers gave the same design to "
            f"{agreed.count} ({pct(agreed.count / read_twice)})"
        )
        for name, score in (("agreed", agreed), ("disputed", disputed)):
            if score.count:
                print(
                    f"    design right, as indexed, where readers {name}: "
                    f"{sum(score.right.values())}/{score.count} = {pct(score.share)}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        type=Path,
        default=[],
        help="another directory of labelled records (labels.toml and its XML files)",
    )
    parser.add_argument("--misses", action="store_true", help="list every tune record graded wrong")
    parser.add_argument(
        "--holdout-misses",
        action="store_true",
        help="list every holdout record graded wrong (not for tuning the rules on)",
    )
    args = parser.parse_args(argv)
    for directory in [COMMITTED, *args.sets]:
        records: list[Labelled] = load(directory)
        print(f"== {directory}")
        for name in ("holdout", "tune"):
            report = measure(split(records, name))
            print_report(name, report)
            if args.holdout_misses if name == "holdout" else args.misses:
                for line in report.misses:
                    print(f"    {line}")
    print(f"== {WRITTEN} (written blind to the rules: tests of the wording, not of accuracy)")
    for path in sorted(WRITTEN.glob("*.json")):
        report = measure(load_written(path))
        n = report.design.count
        print(
            f"  {path.name}: {report.records} records; design right as indexed"
            f" {sum(report.design.right.values())}/{n}, unindexed"
            f" {sum(report.design_unindexed.right.values())}/{n}, evidence level"
            f" {sum(report.level.right.values())}/{n}; participants right"
            f" {report.participants_right}/{report.participants_stated} ("
            f"{report.participants_wrong} wrong, {report.participants_invented} invented)"
        )
        if args.misses:
            for line in report.misses:
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
