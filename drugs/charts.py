"""The relapse timeline: proportion relapsed (%) against weeks since the change, drawn as SVG on the server.

A plain module: it turns findings into positioned series; templates/includes/relapse_chart.html draws them.
Only relapse findings with both a proportion and a time point are plotted; the findings table stays the
source of truth, and every plotted point is one of its rows.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from drugs import formatting

WIDTH, HEIGHT = 520, 290  # narrow enough that a 375-px phone keeps the labels legible
LEFT, RIGHT, TOP, BOTTOM = 56, 44, 16, 44  # room for the axes' labels and the last point's value
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
WEEKS_PER = {"days": Decimal(1) / 7, "weeks": Decimal(1), "months": Decimal("4.345"), "years": Decimal("52.18")}
# Series differ by marker and line style first, colour last (Okabe–Ito: readable with colour-blindness, in grey).
MARKERS = ["circle", "square", "triangle", "diamond", "cross", "triangle-down"]
DASHES = ["", "8 4", "2 4", "10 4 2 4", "4 4", "1 2"]
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00"]


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


@dataclass
class Point:
    weeks: Decimal
    percent: Decimal
    label: str
    x: float = 0
    y: float = 0
    whisker: tuple[float, float] | None = None  # y of the 95% CI (or reported range) ends
    is_interval: bool = False  # the whisker is a 95% CI (else a reported range)
    marker: str = ""  # SVG path data


@dataclass
class Series:
    label: str
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
        at = [
            _("%(value)s at %(weeks)s weeks") % {"value": p.label, "weeks": formatting.number(p.weeks)}
            for p in self.points
        ]
        return f"{self.label}: " + "; ".join(at)


@dataclass
class Tick:
    value: Decimal
    position: float
    label: str


@dataclass
class Chart:
    series: list[Series]
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom_edge: int = TOP + PLOT_HEIGHT
    right_edge: int = LEFT + PLOT_WIDTH
    x_title_x: float = LEFT + PLOT_WIDTH / 2
    x_title_y: float = HEIGHT - 6
    y_title_x: float = -(TOP + PLOT_HEIGHT / 2)  # in the rotated frame of the vertical title

    @property
    def description(self) -> str:
        return " ".join(f"{s.description}." for s in self.series)


def weeks_of(value: Decimal, unit: str) -> Decimal:
    return value * WEEKS_PER[unit]


def _point(finding) -> Point:
    low, high = finding.proportion, finding.proportion_upper or finding.proportion
    point = Point(
        weeks=weeks_of(finding.timepoint, finding.timepoint_unit),
        percent=(low + high) / 2,
        label=finding.proportion_display,
    )
    if finding.ci_low is not None:
        point.whisker, point.is_interval = (finding.ci_low, finding.ci_high), True
    elif finding.proportion_upper is not None:
        point.whisker = (low, high)
    return point


def _x_step(max_weeks: Decimal) -> int:
    for step in (4, 8, 12, 26, 52, 104):
        if max_weeks / step <= 8:
            return step
    return 208


def build(findings, *, label_of) -> Chart | None:
    """A chart of the plottable relapse findings, one series per arm; None when nothing can be drawn."""
    # One series per arm and population: a subgroup is its own series, never a point on the main line.
    keyed: dict[tuple, list[Point]] = {}
    for finding in findings:
        if finding.measure != "relapse" or finding.proportion is None or finding.timepoint is None:
            continue
        key = (label_of(finding), finding.population, finding.outcome_definition)
        keyed.setdefault(key, []).append(_point(finding))
    if not keyed:
        return None
    label_counts: dict[str, int] = {}
    for label, _population, _outcome in keyed:
        label_counts[label] = label_counts.get(label, 0) + 1
    # Subgroups are named by what follows ';' in their population (e.g. "sustained response before ...").
    groups = {}
    for (label, population, _outcome), points in keyed.items():
        subgroup = population.split(";", 1)[1].strip() if ";" in population and label_counts[label] > 1 else ""
        groups[f"{label}, {subgroup}" if subgroup else label] = points

    max_weeks = max(p.weeks for points in groups.values() for p in points)
    step = _x_step(max_weeks)
    x_max = Decimal(((int(max_weeks) // step) + 1) * step)

    def x(weeks) -> float:
        return LEFT + float(weeks / x_max) * PLOT_WIDTH

    def y(percent) -> float:
        return TOP + (1 - float(percent) / 100) * PLOT_HEIGHT

    series = []
    for index, (label, points) in enumerate(groups.items()):
        points.sort(key=lambda p: p.weeks)
        # Marker and dash step together, and the dash shifts each round, so no two series look alike.
        marker, dash = MARKERS[index % len(MARKERS)], DASHES[(index + index // len(MARKERS)) % len(DASHES)]
        for p in points:
            p.x, p.y = x(p.weeks), y(p.percent)
            p.marker = marker_path(marker, p.x, p.y)
            if p.whisker:
                p.whisker = (y(p.whisker[0]), y(p.whisker[1]))
        series.append(Series(label, points, marker, dash, COLOURS[index % len(COLOURS)]))
    return Chart(
        series=series,
        x_ticks=[Tick(Decimal(w), x(w), str(w)) for w in range(0, int(x_max) + 1, step)],
        y_ticks=[Tick(Decimal(p), y(p), f"{p}%") for p in (0, 25, 50, 75, 100)],
    )


def comparison(profiles) -> Chart | None:
    """The condition page's chart: every listed drug's arms on one pair of axes."""
    findings = [f for p in profiles for f in p.findings.all()]
    return build(findings, label_of=lambda f: f"{f.profile.drug.title} — {arm_label(f)}")


def arm_label(finding) -> str:
    """Legend text for a monograph: the scenario always, so a taper is never read as a stop."""
    study = f" ({finding.study_name})" if finding.study_name else ""
    return f"{finding.get_scenario_display()}: {finding.arm}{study}"
