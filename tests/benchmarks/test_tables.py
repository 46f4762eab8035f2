"""The figures tables of the README and docs/benchmarks.md are what their results files hold
(``benchmarks.tables``): a figure changed by hand, or a results file rerun without its tables, fails here."""
from __future__ import annotations

from benchmarks import tables


def test_every_marked_table_is_what_its_results_file_says():
    assert tables.stale_files() == [], "run: python -m benchmarks.tables"


def test_the_readme_and_the_benchmarks_page_carry_their_tables():
    readme, page = (path.read_text() for path in tables.FILES)
    assert "<!-- table:readme-accuracy -->" in readme and "<!-- table:speed-summary -->" in readme
    for name in ("reader-summary", "speed-summary", "load-summary"):
        assert f"<!-- table:{name} -->" in page


def test_a_table_edited_by_hand_is_caught():
    text = "<!-- table:speed-summary -->\n| made up | 1 ms |\n<!-- /table:speed-summary -->"
    assert tables.rewritten(text) != text
    assert tables.rewritten(tables.rewritten(text)) == tables.rewritten(text)
