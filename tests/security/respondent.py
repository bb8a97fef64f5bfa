"""Answer a questionnaire through a Flask test client, as a browser would."""

from urllib.parse import urlsplit

from .forms import post_forms


class Respondent:
    """Fills in the forms the questionnaire renders, CSRF tokens included."""

    def __init__(self, client, token: str, year_group: str = "4"):
        self.client = client
        self.base = f"/s/{token}"
        self.year_group = year_group

    def form_of(self, path: str):
        """Return the last POST form of the page at path, as rendered."""
        response = self.client.get(self.base + path)
        assert response.status_code == 200, (path, response.status_code)
        forms = post_forms(response.get_data(as_text=True))
        assert forms, f"{path} has no POST form"
        return forms[-1]

    def start(self, code: str | None = None):
        data = self.form_of("").data()
        data["action"] = ["start"]
        if code is not None:
            data["access_code"] = [code]
        return self.client.post(self.base, data=data)

    def answer_all(self, answer: str = "2"):
        """Answer every step from where the questionnaire sends the respondent."""
        response = self.client.get(self.base + "/check")
        path = self._path(response)
        while path and path != "/check" and path != "":
            form = self.form_of(path)
            data = form.data()
            if path == "/year-group":
                data["year_group"] = [self.year_group]
            else:
                for item in form.fields:
                    if item.kind == "radio":
                        data[item.name] = [answer]
            response = self.client.post(self.base + path, data=data)
            assert response.status_code == 303, (path, response.status_code)
            path = self._path(response)
        return response

    def check_form(self):
        return self.form_of("/check")

    def send(self, data: dict | None = None):
        """Send the check page's form, or data in its place."""
        if data is None:
            data = self.check_form().data()
        return self.client.post(self.base + "/check", data=data)

    def submit(self, answer: str = "2", code: str | None = None):
        """Start, answer every question and send; return the last response."""
        response = self.start(code)
        assert response.status_code == 303, response.status_code
        self.answer_all(answer)
        return self.send()

    def _path(self, response) -> str | None:
        location = response.headers.get("Location")
        if location is None:
            return None
        path = urlsplit(location).path
        assert path.startswith(self.base), location
        return path.removeprefix(self.base)
