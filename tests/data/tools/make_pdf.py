"""Writes forebyggende-plan.pdf from forebyggende-plan.txt: every line of the text as one line
of an A4 page, 64 lines a page, in DejaVu Sans 7 pt (embedded), so the PDF holds the plan's
text as a PDF made from the adopted document does, with page breaks inside the list of actions.

    pip install fpdf2==2.8.9
    python3 tests/data/tools/make_pdf.py
"""
import pathlib
from fpdf import FPDF

DATA = pathlib.Path(__file__).resolve().parent.parent
lines = (DATA / "forebyggende-plan.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")

pdf = FPDF(format="A4")
pdf.set_creation_date(__import__("datetime").datetime(2025, 1, 1, tzinfo=__import__("datetime").timezone.utc))
pdf.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
pdf.set_font("DejaVu", size=7)
pdf.set_auto_page_break(False)
pdf.set_margins(10, 10)
per_page = 64
for i, line in enumerate(lines):
    if i % per_page == 0:
        pdf.add_page()
    y = 10 + (i % per_page) * 4.3
    text = line.rstrip().replace("\t", " ").replace("\x0c", "")
    if text.strip():
        pdf.text(10, y, text)
pdf.output(str(DATA / "forebyggende-plan.pdf"))
