"""The HTML report of a run folder, a compare folder or a sweep database.

Examples
--------
>>> from scoresim.report import write_report
>>> callable(write_report)
True
"""

from scoresim.report.html import kind_of, write_report

__all__ = ["kind_of", "write_report"]
