"""The Python way of getting a report's table cells out, for the benchmark.

Usage: python baseline.py {html|docx|xlsx} FILE...

Reads every table of every file with the libraries a Python user reaches
for (pandas.read_html with lxml, python-docx, openpyxl) and collects every
cell's text -- the 200 value cells of a report are among them. It does not
map, check or write anything, so it is a lower bound of a Python tool's
cost. Prints "rate <files per second>" on one process.
"""

import sys
import time
import warnings


def html_cells(path):
    import pandas as pd

    cells = []
    for frame in pd.read_html(path, flavor="lxml"):
        cells.extend(str(v) for v in frame.to_numpy().ravel())
    return cells


def docx_cells(path):
    import docx

    cells = []
    for table in docx.Document(path).tables:
        for row in table.rows:
            cells.extend(cell.text for cell in row.cells)
    return cells


def xlsx_cells(path):
    import openpyxl

    cells = []
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells.extend("" if v is None else str(v) for v in row)
    wb.close()
    return cells


def main():
    warnings.simplefilter("ignore")
    kind, files = sys.argv[1], sys.argv[2:]
    read = {"html": html_cells, "docx": docx_cells, "xlsx": xlsx_cells}[kind]
    read(files[0])  # import and warm up outside the timing
    start = time.perf_counter()
    total = 0
    for f in files:
        total += len(read(f))
    secs = time.perf_counter() - start
    print(f"cells {total}")
    print(f"rate {len(files) / secs:.2f}")


if __name__ == "__main__":
    main()
