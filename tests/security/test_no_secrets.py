"""No secret is committed: tracked files hold no key-like strings or stores.

The scan reads every file `git ls-files` lists. It looks for the shapes of
real credentials (private key blocks, cloud and code-hosting tokens) and for
long random-looking values assigned to names like key, secret, token or
password. The placeholders that tests and development use are listed in
ALLOWED_VALUES with the reason each is public.
"""

import hashlib
import math
import re
import subprocess
from collections import Counter
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

CREDENTIAL_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{22,})"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe key": re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}"),
    "JSON web token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."),
    "password in URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s:@]{3,}@"),
}
# A quoted value of 16 or more characters assigned to a secret-sounding name.
ASSIGNED_SECRET = re.compile(
    r"(?i)\b[\w-]*(?:secret|token|passw(?:or)?d|api[_-]?key|private[_-]?key|pepper)"
    r"[\w-]*\s*[:=]\s*[\"']([^\"'\s]{16,})[\"']"
)
# Public values that look like secrets, each with why it is public.
ALLOWED_VALUES = {
    # Development and test defaults, rejected in production by the config.
    "development-only-not-secret",
    "test-only-not-secret",
    # The published demo sign-in password (README).
    "demo-password-not-secret",
    # The security tests' raw CSRF token and test passwords.
    "0123456789abcdef0123456789abcdef01234567",
    "security tests password",
}
# File types that are data, not configuration: hashes and ids there are not
# secrets (package-lock.json integrity hashes, reference data checksums).
SKIPPED_FILES = {"package-lock.json"}
STORE_SUFFIXES = (".sqlite", ".sqlite3", ".db", ".duckdb", ".parquet", ".pem", ".key")


def tracked_files() -> list[Path]:
    output = subprocess.run(  # noqa: S603 - fixed argv
        ["git", "ls-files", "-z"],  # noqa: S607 - git from PATH
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout
    return [REPOSITORY / name.decode() for name in output.split(b"\0") if name]


def text_of(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        # Deleted in the working tree but still tracked.
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def entropy_bits_per_character(value: str) -> float:
    counts = Counter(value)
    return -sum(
        count / len(value) * math.log2(count / len(value)) for count in counts.values()
    )


def looks_random(value: str) -> bool:
    """Return whether value looks like generated key material, not words."""
    if value in ALLOWED_VALUES or " " in value:
        return False
    if re.fullmatch(r"[a-z]+(?:[-_.][a-z]+)*", value):
        return False
    # An alphabet, like the characters of link tokens, is sorted.
    if list(value) == sorted(set(value)):
        return False
    return entropy_bits_per_character(value) >= 3.5


def test_scan_reads_tracked_files():
    files = tracked_files()

    assert any(path.name == "config.py" for path in files)
    assert len(files) > 100


def test_no_credentials_in_tracked_files():
    findings = []
    for path in tracked_files():
        if path.name in SKIPPED_FILES:
            continue
        text = text_of(path)
        if text is None:
            continue
        for kind, pattern in CREDENTIAL_PATTERNS.items():
            for match in pattern.finditer(text):
                findings.append(f"{path.relative_to(REPOSITORY)}: {kind}: {match[0]}")
        for match in ASSIGNED_SECRET.finditer(text):
            if looks_random(match[1]):
                findings.append(f"{path.relative_to(REPOSITORY)}: {match[0][:80]}")

    assert findings == []


def test_no_stores_or_environment_files_tracked():
    names = [path.relative_to(REPOSITORY).as_posix() for path in tracked_files()]

    assert [name for name in names if name.endswith(STORE_SUFFIXES)] == []
    assert [name for name in names if Path(name).name.startswith(".env")] == []
    assert [name for name in names if name.startswith("var/")] == []


def test_scan_finds_planted_secret():
    """The patterns catch a key shaped like the ones the app is given.

    The planted strings are put together here, so that this file does not
    hold them and the scan above does not find them.
    """
    key = hashlib.sha256(b"planted").hexdigest()
    planted = f'IMHARS_SECRET_KEY = "{key}"'
    block = "-----BEGIN RSA " + "PRIVATE KEY-----"

    matches = [m[1] for m in ASSIGNED_SECRET.finditer(planted) if looks_random(m[1])]

    assert matches == [key]
    assert CREDENTIAL_PATTERNS["private key"].search(block)
