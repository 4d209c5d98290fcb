"""The relapse timeline: proportion relapsed (%) against weeks since the change, drawn as SVG on the server.

A plain module: it turns findings into positioned series; templates/includes/relapse_chart.html draws them.
Only relapse findings with both a proportion and a time point are plotted; the findings table stays the
source of truth, and every plotted point is one of its rows.

The chart says no more than its findings (issue 14):
- a line joins only the time points of one *series* — one arm of one study, one population, one outcome
  definition; a pooled arm ("4 mg or 2 mg → placebo") is a series of its own, a single point has no line;
- within a figure no two series share colour and marker; past MAX_SERIES_PER_PLOT series the figure becomes
  small multiples, one panel per study on the same axes, rather than one crowded plot;
- value labels never print over another label or a marker: a label moves, or is dropped (the table has it);
- whiskers are the stored 95% CI or reported range; from n/N alone a Wilson interval is calculated and says so;
- the caption is built from what was actually drawn.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drugs import formatting

# Drawn at about the width of a phone's column, so the text stays legible when the SVG scales to 351 CSS px on
# a 375-px phone (13 units render at 11.4 px; the browser test measures it); wider screens cap the chart's
# width in medinfo.css, so it does not grow past that in proportion.
WIDTH, HEIGHT = 400, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 44, 16, 44  # room for the axes' labels and the last point's value
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
WEEKS_PER = {"days": Decimal(1) / 7, "weeks": Decimal(1), "months": Decimal("4.345"), "years": Decimal("52.18")}
# Okabe–Ito without its yellow (too pale on white): readable with colour-blindness. Seven colours against six
# markers: series i gets colour i % 7 and marker i % 6, so no (colour, marker) pair repeats within 42 series,
# and any six neighbouring series differ in colour, marker and dash alike.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9"]
MARKERS = ["circle", "square", "triangle", "diamond", "cross", "triangle-down"]
DASHES = ["", "8 4", "2 4", "10 4 2 4", "4 4", "1 3"]
MAX_SERIES_PER_PLOT = 6
MARKER_HALF = 5.5  # the largest marker's half-size; a label keeps clear of this box around every point
CAP_HALF = 7  # whisker caps are wider than any marker, so a short interval still shows its ends
DODGE = 11  # how far apart points of one time are set when they would overlap
HEADING_ROOM = 20  # above each small multiple, for its study's name
LABEL_SIZE = 13  # font size of the value labels, in viewBox units
AXIS_SIZE = 14  # font size of the ticks, axis titles and panel headings, in viewBox units
Z_95 = 1.959963984540054


def marker_path(shape: str, x: float, y: float) -> str:
    """SVG path data for a marker centred on (x, y)."""
    if shape == "circle":
        return f"M{x - 4.5:.1f} {y:.1f} a4.5 4.5 0 1 0 9 0 a4.5 4.5 0 1 0 -9 0 z"
    if shape == "square":
        return f"M{x - 4:.1f} {y - 4:.1f} h8 v8 h-8 z"
    if shape == "triangle":
        return f"M{x:.1f} {y - 5:.1f} l5 9 h-10 z"
    if shape == "diamond":
        return f"M{x:.1f} {y - 5.5:.1f} l5 5.5 l-5 5.5 l-5 -5.5 z"
    if shape == "cross":
        return f"M{x - 4.5:.1f} {y - 4.5:.1f} l9 9 m0 -9 l-9 9"
    return f"M{x:.1f} {y + 5:.1f} l5 -9 h-10 z"  # triangle pointing down


def wilson_interval(events: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of events/total, in percent (95% by default)."""
    p = events / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half) * 100, min(1.0, centre + half) * 100


def text_width(text: str, size: float = LABEL_SIZE) -> float:
    """A generous estimate of a label's width: wide (CJK) characters take a full em, others about 0.6."""
    return sum(size if ord(c) >= 0x2E80 else 0.62 * size for c in text)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass
class Whisker:
    kind: str  # "ci" (stored 95% CI), "range" (reported range) or "wilson" (calculated from n/N)
    low: float  # percent
    high: float
    x: float = 0
    y_low: float = 0
    y_high: float = 0

    @property
    def cap_left(self) -> float:
        return self.x - CAP_HALF

    @property
    def cap_right(self) -> float:
        return self.x + CAP_HALF

    @property
    def is_shorter_than_marker(self) -> bool:
        return abs(self.y_low - self.y_high) < 2 * MARKER_HALF

    @property
    def is_calculated(self) -> bool:
        return self.kind == "wilson"

    @property
    def text(self) -> str:
        span = formatting.confidence_interval(round(Decimal(self.low), 1), round(Decimal(self.high), 1))
        if self.kind == "ci":
            return _("95%% CI %(interval)s") % {"interval": span}
        if self.kind == "range":
            return _("reported range %(range)s") % {"range": span}
        return _("95%% CI %(interval)s, calculated from n/N (Wilson), not reported by the source") % {"interval": span}


@dataclass
class Point:
    weeks: Decimal
    percent: Decimal
    label: str
    count: str | None = None  # "11/33", "N = 30"; None when the source gives no N
    whisker: Whisker | None = None
    x: float = 0
    y: float = 0
    marker: str = ""  # SVG path data
    label_x: float = 0
    label_y: float = 0  # the text's baseline
    label_anchor: str = "start"
    label_box: Box | None = None  # None: the label was dropped so as not to cover another

    @property
    def at(self) -> str:
        return _("%(value)s at %(weeks)s weeks") % {"value": self.label, "weeks": formatting.number(self.weeks)}

    @property
    def facts(self) -> str:
        """What a reader needs beside the value: the interval, or why there is none, and N."""
        parts = [self.whisker.text] if self.whisker else [_("no interval reported")]
        parts.append(self.count or _("N not reported"))
        return "; ".join(parts)


@dataclass
class Series:
    key: tuple
    id: str
    group: (
        str  # the legend heading and, in small multiples, the panel: the study (on the condition page, drug and study)
    )
    study: str
    arm: str
    label: str  # the full label, study included
    legend_label: str  # under its study's heading in the legend
    points: list[Point]
    marker: str = "circle"
    dash: str = ""
    colour: str = "#000000"

    @property
    def legend_marker(self) -> str:
        return marker_path(self.marker, 18, 6)

    @property
    def is_open_marker(self) -> bool:
        return self.marker == "cross"

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def has_line(self) -> bool:
        return len(self.points) > 1

    @property
    def description(self) -> str:
        return f"{self.label}: " + "; ".join(f"{p.at} ({p.facts})" for p in self.points)


@dataclass
class Tick:
    value: Decimal
    position: float
    label: str


@dataclass
class LegendGroup:
    heading: str
    series: list[Series]


@dataclass
class Panel:
    heading: str  # the study, when the figure is split into small multiples
    groups: list[LegendGroup]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    top: int = TOP
    width: int = WIDTH
    left: int = LEFT
    right_edge: int = LEFT + PLOT_WIDTH
    x_title_x: float = LEFT + PLOT_WIDTH / 2
    font_size: int = AXIS_SIZE
    label_size: int = LABEL_SIZE

    @property
    def height(self) -> int:
        return self.top + PLOT_HEIGHT + BOTTOM

    @property
    def bottom_edge(self) -> int:
        return self.top + PLOT_HEIGHT

    @property
    def heading_y(self) -> int:
        return self.top - 9

    @property
    def x_title_y(self) -> int:
        return self.height - 6

    @property
    def y_title_x(self) -> float:
        return -(self.top + PLOT_HEIGHT / 2)  # in the rotated frame of the vertical title

    @property
    def series(self) -> list[Series]:
        return [s for g in self.groups for s in g.series]

    @property
    def description(self) -> str:
        return " ".join(f"{s.description}." for s in self.series)


@dataclass
class Chart:
    panels: list[Panel]
    notes: list[str] = field(default_factory=list)  # the caption: what is drawn, and only that

    @property
    def series(self) -> list[Series]:
        return [s for p in self.panels for s in p.series]

    @property
    def is_small_multiples(self) -> bool:
        return len(self.panels) > 1


def weeks_of(value: Decimal, unit: str) -> Decimal:
    return value * WEEKS_PER[unit]


def _point(finding) -> Point:
    low, high = finding.proportion, finding.proportion_upper or finding.proportion
    point = Point(
        weeks=weeks_of(finding.timepoint, finding.timepoint_unit),
        percent=(low + high) / 2,
        label=finding.proportion_display,
        count=formatting.count(finding.events, finding.total),
    )
    if finding.ci_low is not None:
        point.whisker = Whisker("ci", float(finding.ci_low), float(finding.ci_high))
    elif finding.proportion_upper is not None:
        point.whisker = Whisker("range", float(low), float(high))
    elif finding.events is not None and finding.total:
        point.whisker = Whisker("wilson", *wilson_interval(finding.events, finding.total))
    return point


def _x_step(max_weeks: Decimal) -> int:
    for step in (4, 8, 12, 26, 52, 104):
        if max_weeks / step <= 8:
            return step
    return 208


def study_of(finding) -> str:
    return finding.study_name or _("Study not named")


def arm_label(finding) -> str:
    """Legend text for a monograph: the scenario always, so a taper is never read as a stop."""
    study = f" ({finding.study_name})" if finding.study_name else ""
    return f"{finding.get_scenario_display()}: {finding.arm_local}{study}"


def scenario_and_arm(finding) -> str:
    return f"{finding.get_scenario_display()}: {finding.arm_local}"


def _series(findings, label_of, group_of) -> list[Series]:
    """One series per arm of a study, population and outcome definition, in the order of the findings."""
    keyed: dict[tuple, list] = {}
    for finding in findings:
        if finding.measure != "relapse" or finding.proportion is None or finding.timepoint is None:
            continue
        key = (
            group_of(finding),
            finding.study_name,
            finding.scenario,
            finding.measure,
            finding.regimen_before,
            finding.regimen_after,
            finding.outcome_definition,
            finding.population,
        )
        # Two figures at one time point of one key (a duplicate row) are never joined: the second starts a series.
        copy = 0
        while any(
            weeks_of(f.timepoint, f.timepoint_unit) == weeks_of(finding.timepoint, finding.timepoint_unit)
            for f in keyed.get((*key, copy), [])
        ):
            copy += 1
        keyed.setdefault((*key, copy), []).append(finding)
    series = []
    for key, members in keyed.items():
        first = members[0]
        colliding = [k for k in keyed if (k[0], label_of(keyed[k][0])) == (key[0], label_of(first))]
        parts = []
        # A subgroup is named by what follows ';' in its population (e.g. "sustained response before ...").
        if len({k[7] for k in colliding}) > 1 and ";" in first.population:
            population = first.tr.population
            parts.append(population.split("；" if "；" in population else ";", 1)[-1].strip())
        if len({k[6] for k in colliding}) > 1:
            parts.append(first.tr.outcome_definition)
        if key[-1]:
            parts.append(f"[{key[-1] + 1}]")
        suffix = ", ".join(parts)
        label = f"{label_of(first)}, {suffix}" if suffix else label_of(first)
        legend = f"{scenario_and_arm(first)}, {suffix}" if suffix else scenario_and_arm(first)
        points = sorted((_point(f) for f in members), key=lambda p: p.weeks)
        series.append(Series(key, "", key[0], first.study_name, first.arm, label, legend, points))
    return series


def build(findings, *, label_of, group_of=study_of) -> Chart | None:
    """A chart of the plottable relapse findings, one series per arm; None when nothing can be drawn."""
    series = _series(findings, label_of, group_of)
    if not series:
        return None
    groups: dict[str, list[Series]] = {}
    for s in series:
        groups.setdefault(s.group, []).append(s)
    ordered = [s for members in groups.values() for s in members]
    for index, s in enumerate(ordered):
        s.id = f"s{index + 1}"
        s.colour, s.marker, s.dash = COLOURS[index % len(COLOURS)], MARKERS[index % len(MARKERS)], DASHES[index % 6]

    # Small multiples get a line above each plot for the study's name, so no data point can sit under it.
    small_multiples = len(ordered) > MAX_SERIES_PER_PLOT
    top = TOP + HEADING_ROOM if small_multiples else TOP
    max_weeks = max(p.weeks for s in ordered for p in s.points)
    step = _x_step(max_weeks)
    x_max = Decimal(((int(max_weeks) // step) + 1) * step)

    def x(weeks) -> float:
        return LEFT + float(weeks / x_max) * PLOT_WIDTH

    def y(percent) -> float:
        return top + (1 - float(percent) / 100) * PLOT_HEIGHT

    x_ticks = [Tick(Decimal(w), x(w), str(w)) for w in range(0, int(x_max) + 1, step)]
    y_ticks = [Tick(Decimal(p), y(p), f"{p}%") for p in (0, 25, 50, 75, 100)]
    legend = [LegendGroup(heading, members) for heading, members in groups.items()]
    if small_multiples:
        panels = [Panel(g.heading, [g], x_ticks, y_ticks, top) for g in legend]
    else:
        panels = [Panel("", legend, x_ticks, y_ticks, top)]
    dodged = dropped = 0
    for panel in panels:
        for s in panel.series:
            for p in s.points:
                p.x, p.y = x(p.weeks), y(p.percent)
                if p.whisker:
                    p.whisker.y_low, p.whisker.y_high = y(p.whisker.low), y(p.whisker.high)
        dodged += _dodge(panel.series)
        for s in panel.series:
            for p in s.points:
                p.marker = marker_path(s.marker, p.x, p.y)
                if p.whisker:
                    p.whisker.x = p.x
        dropped += _place_labels(panel)
    return Chart(panels, _notes(ordered, small_multiples=small_multiples, dodged=dodged, dropped=dropped))


def _extent(p: Point) -> tuple[float, float]:
    """The vertical reach of a point's marker and whisker."""
    ends = [p.y - MARKER_HALF, p.y + MARKER_HALF]
    if p.whisker:
        ends += [p.whisker.y_low, p.whisker.y_high]
    return min(ends), max(ends)


def _dodge(series: list[Series]) -> int:
    """Set points of one time apart sideways where their markers or whiskers would overlap; how many moved."""
    at: dict[float, list[Point]] = {}
    order: dict[int, int] = {}
    for s in series:
        for p in s.points:
            at.setdefault(round(p.x, 1), []).append(p)
            order[id(p)] = len(order)
    moved = 0
    for points in at.values():
        points.sort(key=lambda p: _extent(p)[0])
        clusters: list[list[Point]] = []
        for p in points:
            if clusters and _extent(p)[0] < max(_extent(q)[1] for q in clusters[-1]):
                clusters[-1].append(p)
            else:
                clusters.append([p])
        for cluster in clusters:
            if len(cluster) > 1:
                # Left to right in the legend's order, so the sideways order reads like the legend.
                cluster.sort(key=lambda p: order[id(p)])
                for index, p in enumerate(cluster):
                    p.x += (index - (len(cluster) - 1) / 2) * DODGE
                moved += len(cluster)
    return moved


LABEL_SPOTS = [  # (dx, baseline dy, anchor): right-above first, then the other sides
    (7, -6, "start"),
    (7, 14, "start"),
    (-7, -6, "end"),
    (-7, 14, "end"),
    (9, 4, "start"),
    (-9, 4, "end"),
    (0, -10, "middle"),
    (0, 19, "middle"),
]


def _label_box(p: Point, dx: float, dy: float, anchor: str) -> Box:
    width = text_width(p.label)
    left = {"start": p.x + dx, "end": p.x + dx - width, "middle": p.x - width / 2}[anchor]
    baseline = p.y + dy
    return (left, baseline - 0.8 * LABEL_SIZE, left + width, baseline + 0.2 * LABEL_SIZE)


def _place_labels(panel: Panel) -> int:
    """Put every value label where it covers no other label, marker or whisker; drop it where none is free."""
    points = [p for s in panel.series for p in s.points]
    taken: list[Box] = [(p.x - MARKER_HALF, p.y - MARKER_HALF, p.x + MARKER_HALF, p.y + MARKER_HALF) for p in points]
    taken += [
        (
            p.whisker.cap_left,
            min(p.whisker.y_low, p.whisker.y_high),
            p.whisker.cap_right,
            max(p.whisker.y_low, p.whisker.y_high),
        )
        for p in points
        if p.whisker
    ]
    dropped = 0
    for p in points:
        for dx, dy, anchor in LABEL_SPOTS:
            box = _label_box(p, dx, dy, anchor)
            inside = box[0] >= LEFT and box[2] <= WIDTH - 2 and box[1] >= panel.top - 4 and box[3] <= panel.bottom_edge
            if inside and not any(_overlaps(box, other) for other in taken):
                p.label_x, p.label_y, p.label_anchor, p.label_box = p.x + dx, p.y + dy, anchor, box
                taken.append(box)
                break
        else:
            dropped += 1
    return dropped


def _notes(series: list[Series], *, small_multiples: bool, dodged: int, dropped: int) -> list[str]:
    """The caption's sentences, each about something this chart draws."""
    points = [p for s in series for p in s.points]
    kinds = {p.whisker.kind for p in points if p.whisker}
    notes = []
    if small_multiples:
        notes.append(_("One panel per study, on the same axes."))
    if any(s.has_line for s in series):
        notes.append(_("A line joins only the time points of one arm of one study with one outcome definition."))
    if any(not s.has_line for s in series):
        notes.append(_("A point without a line is a single measurement."))
    if "ci" in kinds:
        notes.append(_("Whiskers: the confidence interval (95%) the source reports."))
    if "range" in kinds:
        notes.append(_("Capped bars: the range the source reports."))
    if "wilson" in kinds:
        notes.append(
            _(
                "Dashed, paler whiskers: an interval (95%) calculated from n/N (Wilson score), "
                "which the source does not report."
            )
        )
    if any(p.whisker and p.whisker.is_shorter_than_marker for p in points):
        notes.append(_("Where an interval is shorter than its marker, its caps show its ends."))
    bare = sum(1 for p in points if not p.whisker)
    if bare:
        notes.append(
            ngettext(
                "%(count)d point has no interval: the source reports none, nor the n/N to calculate one.",
                "%(count)d points have no interval: the source reports none, nor the n/N to calculate one.",
                bare,
            )
            % {"count": bare}
        )
    no_n = sum(1 for p in points if not p.count)
    if no_n:
        notes.append(
            ngettext(
                "For %(count)d point the source gives no N (N not reported).",
                "For %(count)d points the source gives no N (N not reported).",
                no_n,
            )
            % {"count": no_n}
        )
    if dodged:
        notes.append(_("Points of the same time are set slightly apart where they would cover each other."))
    if dropped:
        notes.append(_("Where labels would overlap, a value is left unlabelled; the table has every value."))
    notes.append(_("Every point is a row of the table below, with its source."))
    return notes


def comparison(profiles) -> Chart | None:
    """The condition page's chart: every listed drug's arms, grouped by drug and study."""
    findings = [f for p in profiles for f in p.findings.all()]
    return build(
        findings,
        label_of=lambda f: f"{f.profile.drug.title} — {arm_label(f)}",
        group_of=lambda f: f"{f.profile.drug.title} — {study_of(f)}",
    )
