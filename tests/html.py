"""Reading rendered pages the way a reader would: the text of table cells."""

from html.parser import HTMLParser


class _TableReader(HTMLParser):
    def __init__(self, table_class):
        super().__init__(convert_charrefs=True)
        self.table_class = table_class
        self.depth = 0  # >0 while inside the wanted table
        self.section = None
        self.rows = {"thead": [], "tbody": []}
        self.cell = None
        self.caption = None
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif self.table_class in (attrs.get("class") or "").split():
                self.depth = 1
            return
        if not self.depth:
            return
        if tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "tr" and self.section:
            self.rows[self.section].append([])
        elif tag in ("th", "td") and self.section:
            self.cell = {"text": "", "attrs": attrs}
        elif tag == "caption":
            self.in_caption = True
            self.caption = ""

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "table":
            self.depth -= 1
        elif tag in ("th", "td") and self.cell is not None:
            self.rows[self.section][-1].append(self.cell)
            self.cell = None
        elif tag == "caption":
            self.in_caption = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data
        elif self.in_caption:
            self.caption += data


def read_table(html, table_class="feedback-table"):
    """Return the caption, header rows and body rows of the first table with ``table_class``.

    Each row is a list of cells ``{"text": ..., "attrs": {...}}``; the text is what a reader
    sees, with the template's own whitespace around the content stripped.
    """
    reader = _TableReader(table_class)
    reader.feed(html)
    for section in reader.rows.values():
        for row in section:
            for cell in row:
                cell["text"] = cell["text"].strip()
    return reader.caption, reader.rows["thead"], reader.rows["tbody"]


def body_texts(html, table_class="feedback-table"):
    return [[cell["text"] for cell in row] for row in read_table(html, table_class)[2]]


class _DefinitionListReader(HTMLParser):
    """The (term, description) pairs of the first ``<dl>`` with a class, as a reader sees them."""

    def __init__(self, dl_class):
        super().__init__()
        self.dl_class = dl_class
        self.depth = 0
        self.pairs = []
        self.cell = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "dl" and self.depth == 0 and not self.pairs and self.dl_class in classes:
            self.depth = 1
            return
        if self.depth:
            if tag == "dl":
                self.depth += 1
            elif tag in ("dt", "dd"):
                self.cell = tag
                if tag == "dt":
                    self.pairs.append(["", ""])

    def handle_endtag(self, tag):
        if self.depth and tag == "dl":
            self.depth -= 1
        elif tag in ("dt", "dd"):
            self.cell = None

    def handle_data(self, data):
        if self.depth and self.cell:
            self.pairs[-1][0 if self.cell == "dt" else 1] += data


def definition_list(html, dl_class):
    """[(term, description), …] of the first ``<dl class="dl_class">``, whitespace trimmed."""
    reader = _DefinitionListReader(dl_class)
    reader.feed(html)
    return [(term.strip(), " ".join(text.split())) for term, text in reader.pairs]
