"""Per-class precision and recall of segments against the policies that generated them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

LABELS = ("binge", "goal_saver", "steady", "dormant", "new")


def score(pairs: Iterable[tuple[str, str]], *, title: str) -> dict[str, tuple[float, float]]:
    """(truth, predicted) pairs → {class: (precision, recall)}; prints a table."""
    conf: Counter[tuple[str, str]] = Counter(pairs)
    out = {}
    lines = [f"{title}: per-class precision / recall (n = {sum(conf.values())})"]
    for label in LABELS:
        tp = conf[(label, label)]
        predicted = sum(conf[(t, label)] for t in LABELS)
        actual = sum(conf[(label, p)] for p in LABELS)
        precision = tp / predicted if predicted else 1.0
        recall = tp / actual if actual else 1.0
        out[label] = (precision, recall)
        wrong = {p: conf[(label, p)] for p in LABELS if p != label and conf[(label, p)]}
        lines.append(
            f"  {label:<11} precision {precision:5.3f}  recall {recall:5.3f}  "
            f"(n={actual}{', misread as ' + str(wrong) if wrong else ''})"
        )
    print("\n".join(lines))
    return out
