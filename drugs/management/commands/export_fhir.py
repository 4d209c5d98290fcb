from django.core.management.base import BaseCommand, CommandError

from drugs import fhir


class Command(BaseCommand):
    help = "Write every published monograph (or one, with --drug) as a FHIR R5 Bundle in JSON to standard output."

    def add_arguments(self, parser):
        parser.add_argument("--drug", metavar="SLUG", help="Only this published drug.")

    def handle(self, *args, drug=None, **options):
        drugs = fhir.exportable(drug)
        total = drugs.count()
        if drug is not None and not total:
            raise CommandError(f"No published drug with the slug '{drug}'.")
        bar = ProgressBar(total, self.stderr) if self.stderr.isatty() else None
        # Drugs are fetched and written 200 at a time: the same few queries per chunk, bounded memory.
        self.stdout.ending = ""  # the JSON is written in pieces; no newline after each
        fhir.write_json(drugs.iterator(chunk_size=200), self.stdout, progress=bar.step if bar else None)
        if bar:
            bar.finish()


class ProgressBar:
    """A carriage-return bar on a terminal: no dependency, redrawn only when the percentage moves.

    stream is the command's stderr wrapper; its usual red error style is turned off for the bar.
    """

    WIDTH = 30

    def __init__(self, total: int, stream):
        self.total, self.done, self.stream, self.shown = total, 0, stream, -1

    def step(self) -> None:
        self.done += 1
        percent = self.done * 100 // max(self.total, 1)
        if percent != self.shown:
            self.shown = percent
            filled = self.WIDTH * percent // 100
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total} drugs",
                style_func=str,
                ending="",
            )
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write("", style_func=str)
