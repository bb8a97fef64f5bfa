"""Helpers for the self-review page tests: sign in, read and submit forms."""

from auth.pages import Page

HILLTOP = 1
RIVERSIDE = 2
YEAR = "2024/25"
YEAR_SLUG = "2024-25"
BASE = f"/self-review/{YEAR_SLUG}"


def sign_in_as(client, user_id: int) -> None:
    """Sign a test client in by putting the user id in its session."""
    with client.session_transaction() as session:
        session["user_id"] = user_id


def form_values(page: Page, selector: str = "main form[method=post]") -> dict:
    """Return the values a browser would submit from the first matching form."""
    form = page.select(selector)[0]
    values: dict[str, str] = {}
    for element in form.iter("input"):
        name = element.get("name")
        kind = (element.get("type") or "text").lower()
        if not name or kind == "submit":
            continue
        if kind in ("radio", "checkbox"):
            if element.get("checked") is not None:
                values[name] = element.get("value")
            continue
        values[name] = element.get("value") or ""
    for element in form.iter("textarea"):
        values[element.get("name")] = (element.text or "").removeprefix("\n")
    for element in form.iter("select"):
        selected = [
            option.get("value")
            for option in element.iter("option")
            if option.get("selected") is not None
        ]
        values[element.get("name")] = selected[0] if selected else ""
    return values


def start_self_review(client, academic_year: str = YEAR):
    """Open the year's draft through the start form; return the response."""
    page = Page.of(client.get("/self-review"))
    values = form_values(page, "form[action='/self-review/start']")
    values["academic_year"] = academic_year
    return client.post("/self-review/start", data=values)


def component_form(client, component_id: str) -> dict:
    """Return the component page's form values as the page rendered them."""
    page = Page.of(client.get(f"{BASE}/components/{component_id}"))
    return form_values(page)


def save_component(client, component_id: str, changes: dict, values=None):
    """Open (unless values are given) and post a component page with changes."""
    if values is None:
        values = component_form(client, component_id)
    return client.post(f"{BASE}/components/{component_id}", data={**values, **changes})


def rate_every_practice(client, framework_practices: dict[str, list[str]], level=2):
    """Rate every practice of every component at level, page by page."""
    for component_id, practice_ids in framework_practices.items():
        changes = {
            f"level_{practice_id.replace('.', '_')}": str(level)
            for practice_id in practice_ids
        }
        response = save_component(client, component_id, changes)
        assert response.status_code == 302, response.status_code


def error_summary(page: Page) -> list[str]:
    """Return the texts of the GOV.UK error summary's items."""
    from auth.pages import text_of

    return [text_of(item) for item in page.select(".govuk-error-summary__list li")]
