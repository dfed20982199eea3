"""Plain-language words for HR's pricing pages: what each parameter does, what a tick did."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from ..forms import PARAMETER_TEXTS
from ..models import ParameterSet, Tick, TickLine

_EPS = 1e-9


def _num(value: float, places: int = 4) -> str:
    """A short number: up to `places` decimals, trailing zeros dropped, localised."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return number_format(float(text), max(0, len(text.partition(".")[2])))


def _pct(fraction: float) -> str:
    return number_format(round(fraction * 100, 1), 1 if round(fraction * 100, 1) % 1 else 0)


def period_text(seconds: int) -> str:
    """86400 → "1 day", 5400 → "1 h 30 min", 900 → "15 minutes", 45 → "45 seconds"."""
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if not (hours or minutes or secs):
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if not (days or minutes or secs):
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if not (days or hours or secs):
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    if not (days or hours or minutes):
        return ngettext("%(n)d second", "%(n)d seconds", secs) % {"n": secs}
    parts = []
    units = (
        (days, pgettext("duration: days", "d")),
        (hours, pgettext("duration: hours", "h")),
        (minutes, pgettext("duration: minutes", "min")),
        (secs, pgettext("duration: seconds", "s")),
    )
    for amount, unit in units:
        if amount:
            parts.append(f"{amount} {unit}")
    return " ".join(parts)


@dataclass(frozen=True)
class Described:
    name: str
    label: str
    value: str
    says: str


def parameters_described(version: ParameterSet) -> list[Described]:
    """Each parameter in force with what it means for prices, in words."""
    step = math.exp(version.delta) - 1

    shown = {"tick_seconds": _("Tick period"), "quote_validity_seconds": _("Price promise")}

    def row(name: str, value: str, says: str) -> Described:
        label = shown.get(name) or str(PARAMETER_TEXTS[name][0])
        return Described(name=name, label=label, value=value, says=says)

    return [
        row("s", _num(version.s), str(PARAMETER_TEXTS["s"][1])),
        row("eta", _num(version.eta), str(PARAMETER_TEXTS["eta"][1])),
        row(
            "lam",
            _num(version.lam),
            _("Each tick takes back %(p)s %% of the distance to the base price.")
            % {"p": _pct(version.lam)},
        ),
        row(
            "delta",
            _num(version.delta),
            _("A price moves at most ±%(p)s %% in one tick.") % {"p": _pct(step)},
        ),
        row(
            "m_min",
            f"{_num(version.m_min)} ×",
            _("Prices never fall below %(m)s × the base price.") % {"m": _num(version.m_min)},
        ),
        row(
            "m_max",
            f"{_num(version.m_max)} ×",
            _("Prices never rise above %(m)s × the base price.") % {"m": _num(version.m_max)},
        ),
        row(
            "tick_seconds",
            period_text(version.tick_seconds),
            _("Prices are recalculated every %(p)s.") % {"p": period_text(version.tick_seconds)},
        ),
        row(
            "quote_validity_seconds",
            period_text(version.quote_validity_seconds),
            _("A quoted price holds for %(p)s.")
            % {"p": period_text(version.quote_validity_seconds)},
        ),
    ]


def values_text(version: ParameterSet) -> str:
    """The values of a version on one line, for the history table."""
    return (
        f"s {_num(version.s)} · η {_num(version.eta)} · λ {_num(version.lam)} · "
        f"δ {_num(version.delta)} · {_num(version.m_min)}–{_num(version.m_max)} × · "
        f"{period_text(version.tick_seconds)} · {period_text(version.quote_validity_seconds)}"
    )


def line_explanation(line: TickLine, tick: Tick) -> str:
    """Why this reward's price came out as it did in this tick."""
    version = tick.parameters
    mean = number_format(round(tick.demand_mean, 2), 2 if tick.demand_mean % 1 else 0)
    first = ngettext(
        "%(x)d person redeemed it against %(mean)s on average",
        "%(x)d people redeemed it against %(mean)s on average",
        line.demand,
    ) % {"x": line.demand, "mean": mean}
    moved = math.exp(line.log_price - line.log_price_before) - 1
    if abs(line.log_price - line.log_price_before) < _EPS:
        second = _("the price stayed where it was")
    elif round(abs(moved) * 100, 1) == 0:
        second = _("the price barely moved")
    elif moved > 0:
        second = _("the price rose %(p)s %%") % {"p": _pct(moved)}
    else:
        second = _("the price fell %(p)s %%") % {"p": _pct(-moved)}
    reasons = []
    if abs(line.z) < _EPS and abs(line.step) > _EPS:
        reasons.append(_("demand was average, so it drifted towards the base price"))
    if abs(abs(line.step) - version.delta) < _EPS:
        reasons.append(
            _("the step cap held the move to ±%(p)s %%") % {"p": _pct(math.exp(version.delta) - 1)}
        )
    if abs(line.log_price - math.log(version.m_max)) < _EPS:
        reasons.append(_("it is at its ceiling"))
    elif abs(line.log_price - math.log(version.m_min)) < _EPS:
        reasons.append(_("it is at its floor"))
    text = f"{first}: {second}"
    if reasons:
        text += "; " + "; ".join(reasons)
    return text + "."
