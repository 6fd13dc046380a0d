"""Writes forebyggende-plan.docx from forebyggende-plan.txt: one Word paragraph per line, and in
the overview of actions the chapter headings ("Kap 7: ...") and action numbers ("1. ...") as
Word's own numbering (numPr with a two-level list "Kap %1:" / "%1.%2"), as a plan written in Word
has them. Only the Python standard library is used.

    python3 tests/data/tools/make_docx.py
"""
import pathlib, re, zipfile
from xml.sax.saxutils import escape

DATA = pathlib.Path(__file__).resolve().parent.parent
lines = (DATA / "forebyggende-plan.txt").read_text(encoding="utf-8").split("\n")
start = next(i for i, l in enumerate(lines) if l.strip() == "Oversikt over planens foreslåtte tiltak")
end = next(i for i, l in enumerate(lines) if i > start and l.strip().startswith("http://www.ungfritid.no"))

def run(text):
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'

paragraphs = []
expected = None
for i, line in enumerate(lines):
    text = line.strip()
    numbered = None
    if start < i < end:
        chapter = re.match(r"^Kap\.? (\d+): (.*)$", text)
        action = re.match(r"^(\d+)\. (.*)$", text)
        if chapter:
            numbered, text, expected = 0, chapter.group(2), 1
        elif action and expected is not None and int(action.group(1)) == expected:
            numbered, text, expected = 1, action.group(2), expected + 1
    if numbered is None:
        paragraphs.append(f"<w:p>{run(text)}</w:p>" if text else "<w:p/>")
    else:
        ppr = f'<w:pPr><w:numPr><w:ilvl w:val="{numbered}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        paragraphs.append(f"<w:p>{ppr}{run(text)}</w:p>")

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{"".join(paragraphs)}</w:body></w:document>'
numbering = f'''<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {W}>
<w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="7"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Kap %1:"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>
</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'''
content_types = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>'''
rels = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'''
doc_rels = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>'''
with zipfile.ZipFile(DATA / "forebyggende-plan.docx", "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in [("[Content_Types].xml", content_types), ("_rels/.rels", rels),
                       ("word/document.xml", document), ("word/_rels/document.xml.rels", doc_rels),
                       ("word/numbering.xml", numbering)]:
        info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
