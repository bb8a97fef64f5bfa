"""WTForms forms of the staff pages, rendered with GOV.UK Frontend widgets."""

from .auth import ChangePasswordForm, SignInForm, SignOutForm
from .results import UpdateResultsForm

__all__ = ["ChangePasswordForm", "SignInForm", "SignOutForm", "UpdateResultsForm"]
