from rostersync.reports import safe_cell, write_csv


def test_cells_a_spreadsheet_would_run_are_neutralised(tmp_path):
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+1555") == "'+1555" and safe_cell("-x") == "'-x" and safe_cell("@sum") == "'@sum"
    assert safe_cell("Ana") == "Ana" and safe_cell(None) == ""
    path = write_csv(tmp_path / "r.csv", ["a"], [["=1+1"]])
    assert path.read_text().splitlines() == ["a", "'=1+1"]
