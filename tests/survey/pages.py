"""Parse rendered pages so tests assert on elements, not raw bytes."""

from collections import Counter

import cssselect2
import tinyhtml5


class Page:
    """A rendered page, queried with CSS selectors."""

    def __init__(self, html: str):
        self.html = html
        self.root = tinyhtml5.parse(html, namespace_html_elements=False)
        self._wrapper = cssselect2.ElementWrapper.from_html_root(self.root)

    @classmethod
    def of(cls, response) -> "Page":
        return cls(response.get_data(as_text=True))

    def select(self, selector: str) -> list:
        return [match.etree_element for match in self._wrapper.query_all(selector)]

    def select_one(self, selector: str):
        matches = self.select(selector)
        assert len(matches) == 1, f"{selector!r} matched {len(matches)} elements"
        return matches[0]

    def text(self, selector: str) -> str:
        return text_of(self.select_one(selector))

    def texts(self, selector: str) -> list[str]:
        return [text_of(element) for element in self.select(selector)]

    @property
    def title(self) -> str:
        return self.text("title")

    @property
    def heading(self) -> str:
        return self.text("h1")

    def hidden_fields(self) -> dict[str, str]:
        """Return the hidden inputs of the page's last POST form."""
        forms = [
            form
            for form in self.select("form")
            if form.get("method", "").lower() == "post"
        ]
        assert forms, "the page has no POST form"
        return {
            field.get("name"): field.get("value", "")
            for field in forms[-1].iter("input")
            if field.get("type") == "hidden"
        }

    def radio_names(self) -> list[str]:
        """Return the names of the page's radio groups, in page order."""
        names = [field.get("name") for field in self.select("input[type=radio]")]
        return list(dict.fromkeys(names))

    def checked_values(self) -> dict[str, str]:
        return {
            field.get("name"): field.get("value")
            for field in self.select("input[type=radio][checked]")
        }


def text_of(element) -> str:
    """Return an element's text with runs of whitespace made single spaces."""
    return " ".join("".join(element.itertext()).split())


def check_page(response, status: int = 200) -> Page:
    """Parse a page and check what every questionnaire page must have."""
    assert response.status_code == status, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    page = Page.of(response)
    assert page.title.strip(), "page has no title"
    assert page.select_one("html").get("lang") == "en"
    assert len(page.select("h1")) == 1
    ids = Counter(element.get("id") for element in page.select("[id]"))
    repeated = sorted(element_id for element_id, count in ids.items() if count > 1)
    assert not repeated, f"ids used more than once: {repeated}"
    for form in page.select("form"):
        assert form.get("action"), "a form has no action"
        if form.get("method", "get").lower() == "post":
            token = form.find(".//input[@name='csrf_token']")
            assert token is not None, "a POST form has no CSRF token"
    return page
