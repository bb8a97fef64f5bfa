"""Helpers for staff-page tests: parse HTML, check each page, sign in."""

from collections import Counter

import cssselect2
import tinyhtml5

from survey_app.commands.users import create_user
from survey_app.db import get_db

PASSWORD = "correct horse battery"


class Page:
    """A rendered page, parsed so tests can assert on elements via CSS selectors."""

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
        return self.text("head > title")


def text_of(element) -> str:
    """Return an element's text with runs of whitespace made single spaces."""
    return " ".join("".join(element.itertext()).split())


def check_page(response) -> Page:
    """Parse a staff page and check what every page must have."""
    assert response.status_code == 200, response.status_code
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


def csrf_token(client, path: str = "/sign-in") -> str:
    """Return a CSRF token for client's session, read from a form on path."""
    page = Page.of(client.get(path))
    return page.select("input[name=csrf_token]")[0].get("value")


def sign_in(client, email: str, password: str, next_path: str | None = None, **kwargs):
    """Sign client in through the sign-in form; return the POST's response."""
    token = csrf_token(client)
    query = {"next": next_path} if next_path is not None else {}
    return client.post(
        "/sign-in",
        query_string=query,
        data={"csrf_token": token, "email": email, "password": password},
        **kwargs,
    )


def add_user(app, email, role="borough", school_id=None, password=PASSWORD, **fields):
    """Create a staff user (through the same code as create-user); return its id."""
    with app.app_context():
        db = get_db()
        user = create_user(
            db,
            email=email,
            display_name=fields.pop("display_name", "Sam Jones"),
            role=role,
            school_id=school_id,
            password=password,
        )
        for name, value in fields.items():
            setattr(user, name, value)
        db.commit()
        return user.user_id
