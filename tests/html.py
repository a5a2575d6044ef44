"""Read a rendered page as a browser does: elements with attributes and text, in any attribute order.

Imported as ``from tests import html as dom`` (tests name the page text ``html``):

    dom.find(body, "input", name="phone")["value"]
    dom.text_of(body, "p", id="phone-error")

Attribute keywords follow WTForms' spelling: a trailing underscore is dropped (``class_``, ``for_``)
and ``aria_*`` / ``data_*`` take hyphens. A keyword given ``True`` asks only that the attribute be
there. ``find`` insists on exactly one match, so a check cannot pass on the wrong element.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

# Elements that never have an end tag.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
# A line break straight after these start tags is not part of the text (HTML's parsing rules).
LEADING_NEWLINE_DROPPED = frozenset({"pre", "listing", "textarea"})


def attribute_name(key: str) -> str:
    """The HTML attribute a keyword stands for: ``class_`` is class, ``aria_invalid`` is aria-invalid."""
    key = key.rstrip("_")
    if key.startswith(("aria_", "data_")):
        key = key.replace("_", "-")
    return key


class Element:
    """One element: its tag, attributes (a boolean one reads as ""), children and the source it came from."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None, source: str, start: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []
        self._source = source
        self.start = start
        self.end = start

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def __contains__(self, name: str) -> bool:
        return name in self.attrs

    def get(self, name: str, default: str | None = None) -> str | None:
        """The attribute's value, or ``default`` when the element has none."""
        return self.attrs.get(name, default)

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs!r}>"

    @property
    def text(self) -> str:
        """All the text inside, entities decoded, as the browser would read it."""
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    @property
    def source(self) -> str:
        """The element exactly as served, from its start tag to its end tag."""
        return self._source[self.start : self.end]

    def iter(self) -> Iterator[Element]:
        """Every element inside this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list[Element]:
        """Elements inside this one with the tag (any, if None) and every attribute given."""
        wanted = {attribute_name(key): value for key, value in attrs.items()}
        return [
            element
            for element in self.iter()
            if (tag is None or element.tag == tag)
            and all(
                name in element.attrs if value is True else element.attrs.get(name) == value
                for name, value in wanted.items()
            )
        ]

    def find(self, tag: str | None = None, **attrs) -> Element:
        """The one element inside this one that matches; fails the test if there are none or several."""
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} elements match {tag or '*'} {attrs}"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.root = Element("#document", {}, None, source, 0)
        self.current = self.root

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self.position()
        element = Element(tag, {name: value or "" for name, value in attrs}, self.current, self.source, start)
        element.end = start + len(self.get_starttag_text())
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.current = self.current.parent

    def handle_endtag(self, tag):
        open_element = self.current
        while open_element is not self.root and open_element.tag != tag:
            open_element = open_element.parent
        if open_element is self.root:
            return  # a stray end tag, which browsers ignore
        start = self.position()
        open_element.end = self.source.index(">", start) + 1
        # Elements left open inside (a <p> or <li> without its end tag) end here too.
        element = self.current
        while element is not open_element:
            element.end = start
            element = element.parent
        self.current = open_element.parent

    def handle_data(self, data):
        # The browser reads every CR LF or lone CR as one line feed before anything else.
        data = data.replace("\r\n", "\n").replace("\r", "\n")
        if not self.current.children and self.current.tag in LEADING_NEWLINE_DROPPED and data.startswith("\n"):
            data = data[1:]
        self.current.children.append(data)


def parse(body) -> Element:
    """The document: ``body`` is the page as text or bytes, or a test-client response."""
    if isinstance(body, Element):
        return body
    if hasattr(body, "get_data"):
        body = body.get_data(as_text=True)
    if isinstance(body, bytes):
        body = body.decode()
    builder = _Builder(body)
    builder.feed(body)
    builder.close()
    return builder.root


def find_all(body, tag: str | None = None, **attrs) -> list[Element]:
    """Every element of the page with the tag and attributes given (see `Element.find_all`)."""
    return parse(body).find_all(tag, **attrs)


def find(body, tag: str | None = None, **attrs) -> Element:
    """The one element of the page that matches; fails the test if there are none or several."""
    return parse(body).find(tag, **attrs)


def text_of(body, tag: str | None = None, **attrs) -> str:
    """The text of the one element of the page that matches."""
    return find(body, tag, **attrs).text


def values(body, tag: str = "input", **attrs) -> dict[str, str]:
    """``{name: value}`` of the matching controls, as a browser sends them (e.g. the hidden inputs)."""
    return {element["name"]: element.get("value", "") for element in find_all(body, tag, **attrs)}
