"""A spent access code cannot be linked to the response it let in.

Twelve codes are issued on school A's pupil link and spent in a shuffled,
known order through the real questionnaire. Then nothing in access_codes
may follow that order: no time, no id of a response, and a storage order
set by the code's hash alone. The responses follow the order of submission
(response_seq), as the warehouse's incremental load needs, but store nothing
of the code.

The last tests read the store's write-ahead log and whatever the access
codes file leaves beside it, as someone with a copy of the server's files
would.
"""

import random
import re
import sqlite3
import struct

import pytest
from security.respondent import Respondent

from survey_app.db import codes_path_for, get_db
from survey_app.models import SurveyLink
from survey_app.windows import access_code_pepper, hash_access_code, issue_access_codes

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

CODES = 12
UUID_TEXT = re.compile(
    rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)


@pytest.fixture(scope="module")
def spent(world):
    """Spend fresh codes in a known order; return [(code hash, response_id)].

    The store stays as the codes left it (the WAL included) until the module
    ends.
    """
    link_id = world.info.school_a.pupil_link_id
    with world.app.app_context():
        db = get_db()
        link = db.get(SurveyLink, link_id)
        assert link.access_mode == "codes"
        codes = issue_access_codes(db, link, "Class 3R", CODES)
        db.commit()
        pepper = access_code_pepper()
    order = list(range(CODES))
    random.Random(20261204).shuffle(order)

    pairs = []
    for index in order:
        respondent = Respondent(
            world.app.test_client(), world.info.school_a.pupil_token
        )
        response = respondent.submit(code=codes[index])
        assert response.status_code == 303, response.status_code
        pairs.append(
            (hash_access_code(codes[index], pepper), newest_response_id(world))
        )
    yield pairs
    world.reset()


def newest_response_id(world) -> str:
    connection = sqlite3.connect(world.store_path)
    try:
        return connection.execute(
            "select response_id from responses order by response_seq desc limit 1"
        ).fetchone()[0]
    finally:
        connection.close()


def query(world, sql, parameters=()):
    connection = sqlite3.connect(world.store_path)
    try:
        connection.execute(
            "attach database ? as codes", (str(codes_path_for(world.store_path)),)
        )
        return connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()


def test_codes_are_spent(world, spent):
    hashes = [code_hash for code_hash, _ in spent]
    placeholders = ", ".join("?" * len(hashes))

    rows = query(
        world,
        f"select is_spent from access_codes where code_hash in ({placeholders})",
        hashes,
    )

    assert rows == [(1,)] * CODES


def test_code_storage_order_is_hash_order(world, spent):
    (table_sql,) = query(
        world, "select sql from codes.sqlite_master where name = 'access_codes'"
    )[0]
    stored = [row[0] for row in query(world, "select code_hash from access_codes")]
    spent_hashes = [code_hash for code_hash, _ in spent]
    positions = [stored.index(code_hash) for code_hash in spent_hashes]

    assert "WITHOUT ROWID" in table_sql.upper()
    assert stored == sorted(stored)
    # The storage positions of the spent codes are their hashes' ranks, so
    # they follow the spend order only by chance.
    assert positions != sorted(positions)


def test_responses_hold_nothing_of_the_code(world, spent):
    response_ids = [response_id for _, response_id in spent]
    placeholders = ", ".join("?" * len(response_ids))
    responses = query(
        world,
        f"select * from responses where response_id in ({placeholders})",
        response_ids,
    )
    answers = query(
        world,
        "select a.* from answers a join responses r using (response_seq) "
        f"where r.response_id in ({placeholders})",
        response_ids,
    )
    codes = query(world, "select * from access_codes")

    response_text = repr(responses + answers)
    for code_hash, _ in spent:
        assert code_hash not in response_text
    code_text = repr(codes)
    for _, response_id in spent:
        assert response_id not in code_text
    link_ids = {row[3] for row in responses}
    assert link_ids == {world.info.school_a.pupil_link_id}


def wal_transactions(data: bytes) -> list[list[tuple[int, bytes]]]:
    """Return the (page number, page image) frames of each committed
    transaction in a SQLite write-ahead log."""
    if len(data) < 32:
        return []
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    transactions, pending = [], []
    offset = 32
    while offset + 24 + page_size <= len(data):
        header = data[offset : offset + 24]
        if header[8:16] != salts:
            break
        page_number = struct.unpack(">I", header[0:4])[0]
        pending.append((page_number, data[offset + 24 : offset + 24 + page_size]))
        if struct.unpack(">I", header[4:8])[0] != 0:
            transactions.append(pending)
            pending = []
        offset += 24 + page_size
    return transactions


def spent_flags(page: bytes, code_hash: str) -> set[bool]:
    """Return the is_spent values of the code's records in a page image.

    In a record of access_codes the is_spent column's serial type, 8 for 0
    and 9 for 1, is the header's last byte, just before the hash text.
    """
    flags = set()
    for match in re.finditer(re.escape(code_hash.encode()), page):
        serial_type = page[match.start() - 1]
        if serial_type in (8, 9):
            flags.add(serial_type == 9)
    return flags


def link_codes_through_wal(store: bytes, wal: bytes, hashes: list[str]) -> dict:
    """Return the code hash to response_id pairs that the WAL gives away.

    Each transaction's page images are compared with the same pages' earlier
    images, from earlier frames or else the store file. A code flips to
    spent in the transaction that inserts its response, so a transaction
    with one flipped code and one new response id links them.
    """
    if not wal:
        return {}
    page_size = struct.unpack(">I", wal[8:12])[0]
    latest: dict[int, bytes] = {}
    links = {}
    for frames in wal_transactions(wal):
        flipped, new_ids = set(), set()
        for page_number, image in frames:
            offset = (page_number - 1) * page_size
            before = latest.get(page_number, store[offset : offset + page_size])
            new_ids |= set(UUID_TEXT.findall(image)) - set(UUID_TEXT.findall(before))
            for code_hash in hashes:
                if True in spent_flags(image, code_hash) and True not in spent_flags(
                    before, code_hash
                ):
                    flipped.add(code_hash)
            latest[page_number] = image
        if len(flipped) == 1 and len(new_ids) == 1:
            links[flipped.pop()] = new_ids.pop().decode()
    return links


def test_write_ahead_log_does_not_link_codes(world, spent):
    wal_path = world.store_path.with_name(world.store_path.name + "-wal")
    wal = wal_path.read_bytes() if wal_path.exists() else b""
    store = world.store_path.read_bytes()
    hashes = [code_hash for code_hash, _ in spent]

    links = link_codes_through_wal(store, wal, hashes)
    recovered = [pair for pair in spent if links.get(pair[0]) == pair[1]]

    # The log must hold the responses, or this test would prove nothing.
    assert len(wal_transactions(wal)) >= CODES
    assert recovered == []
    for code_hash in hashes:
        assert code_hash.encode() not in wal
        assert code_hash.encode() not in store


def test_codes_file_leaves_no_journal(world, spent):
    codes_path = codes_path_for(world.store_path)
    beside = sorted(
        path.name
        for path in codes_path.parent.iterdir()
        if path.name.startswith(codes_path.name) and path != codes_path
    )
    header = codes_path.read_bytes()[:100]
    hashes = [code_hash for code_hash, _ in spent]

    assert beside == []
    # Bytes 18 and 19 of a SQLite header are 1 for a rollback journal, 2 for WAL.
    assert header[18:20] == b"\x01\x01"
    assert all(code_hash.encode() in codes_path.read_bytes() for code_hash in hashes)
