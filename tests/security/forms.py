"""Read the forms of a rendered page: action, method and fields."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class FormField:
    name: str
    # input type ("text", "hidden", "radio", ...), or "textarea" or "select".
    kind: str
    value: str
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[FormField] = field(default_factory=list)

    def hidden(self) -> dict[str, str]:
        return {item.name: item.value for item in self.fields if item.kind == "hidden"}

    def data(self) -> dict[str, list[str]]:
        """Return what a browser would send with every field left as rendered."""
        data: dict[str, list[str]] = {}
        for item in self.fields:
            if item.kind in ("radio", "checkbox") and not item.checked:
                continue
            if item.kind in ("submit", "button"):
                continue
            data.setdefault(item.name, []).append(item.value)
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._text_field: FormField | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(
                action=attributes.get("action", ""),
                method=attributes.get("method", "get").lower(),
            )
            self.forms.append(self._form)
        elif self._form is None or "name" not in attributes:
            if tag == "option" and self._select is not None:
                self._option(attributes)
            return
        elif tag == "input":
            self._form.fields.append(
                FormField(
                    attributes["name"],
                    attributes.get("type", "text").lower(),
                    attributes.get("value", ""),
                    "checked" in attributes,
                )
            )
        elif tag == "textarea":
            self._text_field = FormField(attributes["name"], "textarea", "")
            self._form.fields.append(self._text_field)
        elif tag == "select":
            self._select = FormField(attributes["name"], "select", "")
            self._form.fields.append(self._select)
        elif tag == "button":
            self._form.fields.append(
                FormField(attributes["name"], "button", attributes.get("value", ""))
            )

    def _option(self, attributes):
        if "selected" in attributes or not self._select.value:
            self._select.value = attributes.get("value", "")

    def handle_data(self, data):
        if self._text_field is not None:
            self._text_field.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._text_field = None
        elif tag == "select":
            self._select = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def post_forms(html: str) -> list[Form]:
    return [form for form in parse_forms(html) if form.method == "post"]
