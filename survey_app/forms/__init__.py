"""WTForms forms of the staff pages, rendered with GOV.UK Frontend widgets."""

from .auth import SignInForm, SignOutForm
from .results import UpdateResultsForm

__all__ = ["SignInForm", "SignOutForm", "UpdateResultsForm"]
