"""Staff passwords: Argon2id hashes, verification and the strength rule.

The parameters are RFC 9106's second recommended option for Argon2id
(argon2-cffi's RFC_9106_LOW_MEMORY profile: 64 MiB, 3 passes, 4 lanes). A
stored hash made with other parameters still verifies, and is replaced at the
next successful sign-in.
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

MIN_PASSWORD_LENGTH = 12
# Argon2 accepts any length; the cap only stops a request from making the
# server hash megabytes.
MAX_PASSWORD_LENGTH = 256
# A password may not contain the part of the email address before the @ when
# that part has at least this many characters. Shorter parts, like "jo",
# occur in ordinary words.
MIN_LOCAL_PART_LENGTH = 4

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
_dummy_hash: str | None = None


def hash_password(password: str) -> str:
    """Hash a password with a fresh random salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether password matches password_hash; a malformed hash never matches."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_dummy_password(password: str) -> bool:
    """Spend the same time as verify_password, for an email that has no account.

    Without this, a sign-in attempt for an unknown email would return sooner
    by the time of one Argon2 verification, and the delay would tell who has
    an account.
    """
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("no account has this password")
    verify_password(_dummy_hash, password)
    return False


def needs_rehash(password_hash: str) -> bool:
    """Return whether password_hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, email: str = "") -> str | None:
    """Return why a new password is too weak, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    if len(set(password)) == 1:
        return "Password must not repeat one character"
    email = email.strip().lower()
    lowered = password.lower()
    if email and email in lowered:
        return "Password must not contain the email address: choose another"
    local_part = email.partition("@")[0]
    if len(local_part) >= MIN_LOCAL_PART_LENGTH and local_part in lowered:
        return (
            f"Password must not contain ‘{local_part}’ from the email address: "
            "choose another"
        )
    return None
