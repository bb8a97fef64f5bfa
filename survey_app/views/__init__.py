"""Blueprints, one module per user task."""

from .admin import bp as admin_bp
from .auth import bp as auth_bp
from .borough import bp as borough_bp
from .main import bp as main_bp
from .results import bp as results_bp
from .self_review import bp as self_review_bp
from .survey import bp as survey_bp
from .survey_admin import bp as survey_admin_bp

blueprints = [main_bp, survey_bp, survey_admin_bp, auth_bp, results_bp, self_review_bp]
blueprints += [borough_bp, admin_bp]
