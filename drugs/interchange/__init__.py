"""The curated dataset as one JSON document (docs/data-format.md): export, import, seed.

Export is deterministic, so export → empty database → import → export gives the same bytes.
Import is all or nothing: every problem is reported with its record and field, and a file
with any problem changes no row.
"""

from drugs.interchange.export import export_data, export_json
from drugs.interchange.fields import FORMAT, SAME_AS_WORKING
from drugs.interchange.importer import ImportRefused, import_data, read_document

__all__ = ["FORMAT", "SAME_AS_WORKING", "ImportRefused", "export_data", "export_json", "import_data", "read_document"]
