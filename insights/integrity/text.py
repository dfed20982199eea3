"""A flag's reason in plain language, rendered in the reader's language when read (the flag
stores only the parameters, like notifications do)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import IntegrityFlag, IntegrityKind


def _when(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _num(value: Any) -> str:
    return formats.number_format(value, decimal_pos=1 if isinstance(value, float) else None)


def flag_reason(flag: IntegrityFlag, names: Mapping[int, str] | None = None) -> str:
    """One or two sentences that say what was seen and why it stands out."""
    if names is None:
        names = {p.pk: p.name for p in flag.people.all()}
    p: dict[str, Any] = flag.params or {}

    def who(pk: Any) -> str:
        return names.get(int(pk), f"#{pk}") if pk is not None else "–"

    match flag.kind:
        case IntegrityKind.RECIPROCAL:
            return _(
                "%(a)s and %(b)s award each other: %(a)s gave %(b)s %(n_ab)s awards "
                "(%(p_ab)s pts) and %(b)s gave %(a)s %(n_ba)s awards (%(p_ba)s pts) within "
                "%(days)s days. Supervisors award their own team; points that go both ways "
                "between the same two people suggest an arrangement."
            ) % {
                "a": who(p.get("a")), "b": who(p.get("b")), "n_ab": p.get("awards_ab"),
                "n_ba": p.get("awards_ba"), "p_ab": p.get("points_ab"),
                "p_ba": p.get("points_ba"), "days": p.get("days"),
            }  # fmt: skip
        case IntegrityKind.CIRCULAR:
            return _(
                "Points go round in a circle between %(people)s: %(awards)s awards, %(points)s "
                "pts, every step of the circle repeated at least %(weakest)s times. Each of "
                "them both gives and receives, which ordinary awarding never does."
            ) % {
                "people": ", ".join(who(pk) for pk in p.get("ring", [])),
                "awards": p.get("awards"), "points": p.get("points"), "weakest": p.get("weakest"),
            }  # fmt: skip
        case IntegrityKind.SUPERVISOR_OUTLIER:
            parts = []
            for m in p.get("metrics", []):
                if m.get("metric") == "per_member":
                    text = _(
                        "awards %(ratio)s× the median supervisor per team member and month "
                        "(%(value)s pts vs %(median)s)"
                    )
                else:
                    text = _(
                        "awards %(ratio)s× the median supervisor per award (%(value)s pts vs %(median)s)"
                    )
                parts.append(
                    text % {"ratio": _num(m.get("ratio")), "value": _num(m.get("value")),
                            "median": _num(m.get("median"))}
                    + " "
                    + _("(robust score %(z)s, from the median and MAD)") % {"z": _num(m.get("z"))}
                )  # fmt: skip
            return _(
                "%(who)s %(what)s, compared with %(peers)s supervisors. A score above 3.5 is far "
                "outside what the others do."
            ) % {"who": who(p.get("giver")), "what": "; ".join(parts), "peers": p.get("peers")}
        case IntegrityKind.BURST:
            if p.get("target") == "drawing":
                target = _("the drawing of %(reward)s closed (bid %(amount)s pts)")
            else:
                target = _("they bought %(reward)s for %(amount)s pts")
            target = target % {"reward": p.get("reward"), "amount": p.get("amount")}
            return _(
                "%(who)s received %(n)s awards, %(points)s pts, in the %(hours)s hours before "
                "%(target)s at %(at)s: %(share)s of it, where %(hours)s hours usually bring "
                "them about %(typical)s pts."
            ) % {
                "who": who(p.get("person")), "n": p.get("awards"), "points": p.get("points"),
                "hours": p.get("hours"), "target": target, "at": _when(p.get("at")),
                "share": f"{round(float(p.get('share', 0)) * 100)} %",
                "typical": _num(p.get("typical")),
            }  # fmt: skip
        case IntegrityKind.REPEATED_MESSAGE:
            return ngettext(
                "The same message “%(text)s” appears on %(n)s awards, from %(givers)s giver to "
                "%(recipients)s people: a copied text says little about the work it rewards.",
                "The same message “%(text)s” appears on %(n)s awards, from %(givers)s givers to "
                "%(recipients)s people: a copied text says little about the work it rewards.",
                int(p.get("givers") or 0),
            ) % {
                "text": p.get("text"), "n": p.get("repeats"), "givers": p.get("givers"),
                "recipients": p.get("recipients"),
            }  # fmt: skip
    return str(flag.get_kind_display())
