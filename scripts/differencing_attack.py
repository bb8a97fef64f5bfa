"""Try to recover suppressed figures from a published warehouse by differencing.

The attacker reads every figure the marts publish (the school indicators and
their key-stage breakdowns, response counts, borough figures and changes,
next-step impacts and self-review comparisons, every academic year) and
writes down each relation that ties figures together:

- a group's key-stage rows add up to its 'all' row (respondents, score sums,
  answers, don't-know and positive answers, excluded counts, responses);
- a borough figure adds up its schools' 'all' figures, and the all-schools
  figure adds up the phases;
- a borough response rate over the schools with a known roll, times that
  roll, is their responses added up, and a school flagged with no responses
  has none;
- a borough change that compares every question repeats both years'
  borough counts and scores;
- the same figure published twice (next-step impacts and self-review
  comparisons repeat school cells) is one value;
- within a row, score x respondents is the score sum, a rate x its base is
  a count, and a response rate x the number on roll is the response count;
- a suppressed row's reason bounds its count: below_threshold means fewer
  than the disclosure threshold, complementary means at least that many.

A family of relations that fails on any instance where all of its figures
are published is left out, so the attack relies on no approximation that
the data contradict. Families that no published instance can check (the
definitions of the rates, and answers = questions x responses not excluded)
are used as they stand.
Solving the relations (single unknowns, then linear algebra on what is left,
then interval propagation with the bounds) gives the values that published
figures pin down. Each is compared with the true value of the suppressed
figure, read from the build's intermediate tables, which keep figures
before suppression for tests like this one.

Usage: python scripts/differencing_attack.py PATH/TO/published.duckdb
Exit status 0 when no suppressed figure is recovered, 1 when any is (each is
listed).
"""

import argparse
import math
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy

# Published figures are rounded to 4 decimal places; a relation holds when
# its two sides differ by less than this, relative to the larger side.
RELATION_TOLERANCE = 1e-3
# A recovered score or percentage within this many points of the truth
# counts as recovered.
FIGURE_TOLERANCE = 0.5
# Components of the linear system larger than this are solved by single
# unknowns and intervals only.
MAX_COMPONENT_SIZE = 3000

Variable = tuple  # (quantity, cell key)


@dataclass
class Relation:
    """sum(coefficient x variable) = constant, from one family of relations."""

    family: str
    terms: dict
    constant: float = 0.0


@dataclass
class System:
    known: dict = field(default_factory=dict)
    relations: list = field(default_factory=list)
    # Inclusive bounds of unknown counts, from suppression reasons.
    bounds: dict = field(default_factory=dict)
    suppressed: dict = field(default_factory=dict)

    def relate(self, family: str, terms: dict, constant: float = 0.0) -> None:
        self.relations.append(Relation(family, dict(terms), constant))

    def set_known(self, variable: Variable, value) -> None:
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            self.known[variable] = float(value)


@dataclass(frozen=True)
class Recovery:
    cell: tuple
    figure: str
    recovered: float
    true_value: float

    def __str__(self) -> str:
        return (
            f"{self.figure} of {self.cell}: recovered {self.recovered:.4g}, "
            f"true {self.true_value:.4g}"
        )


# Reading the published figures


def rows(connection, sql: str) -> list[dict]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def has_table(connection, schema: str, table: str) -> bool:
    return bool(
        connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def question_counts(connection) -> dict:
    """Return the number of questions per (bank, group, unit type, unit id)."""
    counts: dict = defaultdict(int)
    for row in rows(connection, "select * from marts.questions"):
        group = (row["bank_version"], row["stakeholder_group"])
        counts[(*group, "practice", row["practice_id"])] += 1
        counts[(*group, "component", row["component_id"])] += 1
    return counts


def school_cell(row, unit_type: str, unit_id: str) -> tuple:
    return (
        "school",
        row["school_id"],
        row["academic_year"],
        row["stakeholder_group"],
        row["key_stage"],
        unit_type,
        unit_id,
    )


def count_cell(school_id, academic_year, group, key_stage) -> tuple:
    return ("count", school_id, academic_year, group, key_stage)


def borough_cell(academic_year, group, phase, level, indicator_id) -> tuple:
    return ("borough", academic_year, group, phase, level, indicator_id)


def read_system(connection) -> System:
    """Write down every published figure and every relation among them."""
    system = System()
    threshold = connection.execute(
        "select disclosure_threshold from marts.settings"
    ).fetchone()[0]
    questions = question_counts(connection)
    phases = {
        row["school_id"]: row["phase"]
        for row in rows(connection, "select school_id, phase from marts.schools")
    }

    _add_school_indicators(connection, system, questions, threshold)
    _add_response_counts(connection, system, threshold)
    if has_table(connection, "marts", "borough_indicators"):
        _add_borough(connection, system, phases, threshold)
    if has_table(connection, "marts", "next_step_impacts"):
        _add_next_step_impacts(connection, system)
    if has_table(connection, "marts", "self_review_comparisons"):
        _add_comparisons(connection, system)
    return system


def _bound_count(system: System, variable: Variable, reason, threshold) -> None:
    if reason == "below_threshold":
        system.bounds[variable] = (0, threshold - 1)
    elif reason is not None:
        system.bounds[variable] = (threshold, math.inf)
    else:
        system.bounds.setdefault(variable, (0, math.inf))


def _add_school_indicators(connection, system, questions, threshold) -> None:
    partitions: dict = defaultdict(list)
    for table, unit_type, unit_column in (
        ("component_indicators", "component", "component_id"),
        ("practice_indicators", "practice", "practice_id"),
    ):
        for row in rows(connection, f"select * from marts.{table}"):  # noqa: S608
            cell = school_cell(row, unit_type, row[unit_column])
            if row["is_suppressed"]:
                system.suppressed[cell] = row["suppression_reason"]
            _bound_count(system, ("n", cell), row["suppression_reason"], threshold)
            n = row["n_respondents"]
            system.set_known(("n", cell), n)
            system.set_known(("excluded", cell), row["n_excluded"])
            if n is not None and row["score"] is not None:
                system.set_known(("score_sum", cell), n * row["score"])
            # answers = questions x responses that are not excluded, checked
            # like every other relation before it is used.
            q = questions.get(
                (row["bank_version"], row["stakeholder_group"], unit_type, cell[6])
            )
            count = count_cell(*cell[1:5])
            if q:
                system.relate(
                    "answers per response",
                    {
                        ("answers", cell): 1,
                        ("responses", count): -q,
                        ("excluded_responses", count): q,
                    },
                )
            if row["dont_know_rate"] is not None:
                system.relate(
                    "don't-know rate",
                    {
                        ("dont_know", cell): 1,
                        ("answers", cell): -row["dont_know_rate"] / 100,
                    },
                )
            if row["pct_positive"] is not None:
                share = row["pct_positive"] / 100
                system.relate(
                    "positive share",
                    {
                        ("positive", cell): 1,
                        ("answers", cell): -share,
                        ("dont_know", cell): share,
                    },
                )
            partitions[cell[:4] + cell[5:]].append(cell)

    for cells in partitions.values():
        total = [cell for cell in cells if cell[4] == "all"]
        parts = [cell for cell in cells if cell[4] != "all"]
        if len(total) != 1 or not parts:
            continue
        for quantity in (
            "n",
            "score_sum",
            "excluded",
            "answers",
            "dont_know",
            "positive",
        ):
            terms = {(quantity, total[0]): 1}
            for part in parts:
                terms[(quantity, part)] = -1
            system.relate(f"key stages add up: {quantity}", terms)


def _add_response_counts(connection, system, threshold) -> None:
    partitions: dict = defaultdict(list)
    for row in rows(connection, "select * from marts.response_counts"):
        cell = count_cell(
            row["school_id"],
            row["academic_year"],
            row["stakeholder_group"],
            row["key_stage"],
        )
        if row["is_suppressed"]:
            system.suppressed[cell] = row["suppression_reason"]
        _bound_count(system, ("responses", cell), row["suppression_reason"], threshold)
        system.set_known(("responses", cell), row["n_responses"])
        system.set_known(("excluded_responses", cell), row["n_excluded"])
        if row["response_rate"] is not None and row["number_on_roll"]:
            system.relate(
                "response rate",
                {("responses", cell): 1},
                row["response_rate"] * row["number_on_roll"] / 100,
            )
        partitions[cell[:4]].append(cell)

    for cells in partitions.values():
        total = [cell for cell in cells if cell[4] == "all"]
        parts = [cell for cell in cells if cell[4] != "all"]
        if len(total) != 1 or not parts:
            continue
        for quantity in ("responses", "excluded_responses"):
            terms = {(quantity, total[0]): 1}
            for part in parts:
                terms[(quantity, part)] = -1
            system.relate(f"key stages add up: {quantity}", terms)


def _add_borough(connection, system, phases, threshold) -> None:
    schools_by_phase: dict = defaultdict(set)
    for school_id, phase in phases.items():
        schools_by_phase[phase].add(school_id)
        schools_by_phase["all"].add(school_id)

    school_cells: dict = defaultdict(list)
    for variable in list(system.bounds):
        quantity, cell = variable
        if quantity == "n" and cell[0] == "school" and cell[4] == "all":
            school_cells[(cell[2], cell[3], cell[5], cell[6])].append(cell)

    for row in rows(connection, "select * from marts.borough_indicators"):
        cell = borough_cell(
            row["academic_year"],
            row["stakeholder_group"],
            row["phase"],
            row["indicator_level"],
            row["indicator_id"],
        )
        if row["is_suppressed"]:
            system.suppressed[cell] = row["suppression_reason"]
        reason = row["suppression_reason"]
        if reason == "below_threshold":
            system.bounds[("n", cell)] = (0, threshold - 1)
        else:
            system.bounds.setdefault(("n", cell), (0, math.inf))
        n = row["n_respondents"]
        system.set_known(("n", cell), n)
        if n is not None and row["score"] is not None:
            system.set_known(("score_sum", cell), n * row["score"])
        if row["pct_positive"] is not None:
            system.relate(
                "borough positive share",
                {
                    ("positive", cell): 1,
                    ("scored", cell): -row["pct_positive"] / 100,
                },
            )
        members = [
            school
            for school in school_cells[
                (
                    row["academic_year"],
                    row["stakeholder_group"],
                    row["indicator_level"],
                    row["indicator_id"],
                )
            ]
            if school[1] in schools_by_phase[row["phase"]]
        ]
        for quantity in ("n", "score_sum", "positive"):
            terms = {(quantity, cell): 1}
            for school in members:
                terms[(quantity, school)] = -1
            system.relate(f"borough adds up schools: {quantity}", terms)
        terms = {("scored", cell): 1}
        for school in members:
            terms[("answers", school)] = -1
            terms[("dont_know", school)] = 1
        system.relate("borough adds up schools: scored", terms)

    count_cells: dict = defaultdict(list)
    for variable in list(system.bounds):
        quantity, cell = variable
        if quantity == "responses" and cell[0] == "count" and cell[4] == "all":
            count_cells[(cell[2], cell[3])].append(cell)
    schools_with_roll = _schools_with_roll(connection)
    for row in rows(connection, "select * from marts.borough_response_counts"):
        cell = ("borough_count", row["academic_year"], row["stakeholder_group"])
        cell = (*cell, row["phase"])
        if row["is_suppressed"]:
            system.suppressed[cell] = row["suppression_reason"]
        system.set_known(("responses", cell), row["n_responses"])
        system.set_known(("excluded_responses", cell), row["n_excluded"])
        members = [
            school
            for school in count_cells[(row["academic_year"], row["stakeholder_group"])]
            if school[1] in schools_by_phase[row["phase"]]
        ]
        for quantity in ("responses", "excluded_responses"):
            terms = {(quantity, cell): 1}
            for school in members:
                terms[(quantity, school)] = -1
            system.relate(f"borough adds up schools: {quantity}", terms)
        _add_known_roll_rate(system, row, members, schools_with_roll)

    _add_no_responses_flags(connection, system)
    if has_table(connection, "marts", "borough_changes"):
        _add_borough_changes(connection, system)


def _schools_with_roll(connection) -> set:
    """Return the (school, year, group) whose number on roll is published.

    marts.response_counts publishes the number on roll on every row,
    suppressed ones included.
    """
    return {
        (row["school_id"], row["academic_year"], row["stakeholder_group"])
        for row in rows(
            connection,
            "select school_id, academic_year, stakeholder_group "
            "from marts.response_counts "
            "where key_stage = 'all' and number_on_roll is not null",
        )
    }


def _add_known_roll_rate(system, row, members, schools_with_roll) -> None:
    """Relate the rate over schools with a known roll to their responses.

    The relation needs to know which schools have a roll, so it is written
    only when the published rolls account for every one of them.
    """
    rate = row.get("response_rate_known_roll")
    roll = row.get("number_on_roll_known")
    if rate is None or not roll:
        return
    with_roll = [school for school in members if school[1:4] in schools_with_roll]
    if len(with_roll) != row["n_schools_with_roll"]:
        return
    system.relate(
        "borough response rate over known rolls",
        {("responses", school): 1 for school in with_roll},
        rate * roll / 100,
    )


def _add_no_responses_flags(connection, system) -> None:
    """Bound each school's responses by its flag: none when flagged, else at least 1."""
    if not has_table(connection, "marts", "borough_school_responses"):
        return
    for row in rows(connection, "select * from marts.borough_school_responses"):
        if row["has_responses"] is None:
            continue
        cell = count_cell(
            row["school_id"], row["academic_year"], row["stakeholder_group"], "all"
        )
        variable = ("responses", cell)
        if row["has_responses"]:
            low, high = system.bounds.get(variable, (0, math.inf))
            system.bounds[variable] = (max(low, 1), high)
        else:
            system.relate("no-responses flag", {variable: 1}, 0)


def _add_borough_changes(connection, system) -> None:
    """Tie a change that compares every question to both years' borough figures.

    A change compared in part scores other respondents on other questions,
    so its figures are quantities of their own and pin nothing down here.
    """
    for row in rows(connection, "select * from marts.borough_changes"):
        if row["is_partial"]:
            continue
        for year, n_column, score_column in (
            (row["academic_year"], "n_respondents", "score_compared"),
            (
                row["previous_academic_year"],
                "n_respondents_previous",
                "score_previous_compared",
            ),
        ):
            n = row[n_column]
            if n is None:
                continue
            cell = borough_cell(
                year,
                row["stakeholder_group"],
                row["phase"],
                row["indicator_level"],
                row["indicator_id"],
            )
            system.relate("borough change repeats counts", {("n", cell): 1}, n)
            if row[score_column] is not None:
                system.relate(
                    "borough change repeats scores",
                    {("score_sum", cell): 1},
                    n * row[score_column],
                )


def _add_repeated_cell(system, family, cell, n, score) -> None:
    if n is None:
        return
    system.relate(family, {("n", cell): 1}, n)
    if score is not None:
        system.relate(family, {("score_sum", cell): 1}, n * score)


def _add_next_step_impacts(connection, system) -> None:
    for row in rows(connection, "select * from marts.next_step_impacts"):
        for year, prefix in (
            (row["academic_year"], "baseline"),
            (row["follow_up_year"], "follow_up"),
        ):
            cell = (
                "school",
                row["school_id"],
                year,
                row["stakeholder_group"],
                "all",
                row["indicator_level"],
                row["indicator_id"],
            )
            _add_repeated_cell(
                system,
                "next-step impact repeats cells",
                cell,
                row[f"{prefix}_n"],
                row[f"{prefix}_score"],
            )


def _add_comparisons(connection, system) -> None:
    for row in rows(connection, "select * from marts.self_review_comparisons"):
        if row["stakeholder_group"] is None:
            continue
        cell = (
            "school",
            row["school_id"],
            row["academic_year"],
            row["stakeholder_group"],
            "all",
            row["indicator_level"],
            row["indicator_id"],
        )
        _add_repeated_cell(
            system,
            "self-review comparison repeats cells",
            cell,
            row["n_respondents"],
            row["group_score"],
        )


# Solving


def exact_families(system: System) -> tuple[set, set]:
    """Return the families that hold on every fully published instance, and
    those that do not (which the attack then leaves out)."""
    holds, fails = set(), set()
    for relation in system.relations:
        if not all(variable in system.known for variable in relation.terms):
            continue
        left = sum(
            coefficient * system.known[variable]
            for variable, coefficient in relation.terms.items()
        )
        scale = max(
            1.0,
            abs(relation.constant),
            *(abs(c * system.known[v]) for v, c in relation.terms.items()),
        )
        if abs(left - relation.constant) <= RELATION_TOLERANCE * scale:
            holds.add(relation.family)
        else:
            fails.add(relation.family)
    return holds - fails, fails


def solve(system: System) -> dict:
    """Return the values the relations pin down, known figures included."""
    _, inexact = exact_families(system)
    relations = [r for r in system.relations if r.family not in inexact]
    values = dict(system.known)
    _propagate_single_unknowns(relations, values)
    _solve_components(relations, values)
    _propagate_single_unknowns(relations, values)
    _propagate_bounds(relations, values, system.bounds)
    return values


def _unknowns(relation: Relation, values: dict) -> list:
    return [variable for variable in relation.terms if variable not in values]


def _propagate_single_unknowns(relations, values) -> None:
    changed = True
    while changed:
        changed = False
        for relation in relations:
            unknown = _unknowns(relation, values)
            if len(unknown) != 1:
                continue
            (variable,) = unknown
            rest = sum(
                coefficient * values[other]
                for other, coefficient in relation.terms.items()
                if other != variable
            )
            values[variable] = (relation.constant - rest) / relation.terms[variable]
            changed = True


def _components(relations, values) -> Iterable[list]:
    parent: dict = {}

    def find(item):
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    open_relations = [r for r in relations if len(_unknowns(r, values)) >= 2]
    for relation in open_relations:
        unknown = _unknowns(relation, values)
        for other in unknown[1:]:
            parent[find(other)] = find(unknown[0])
    groups: dict = defaultdict(list)
    for relation in open_relations:
        groups[find(_unknowns(relation, values)[0])].append(relation)
    return groups.values()


def _solve_components(relations, values) -> None:
    """Find unknowns that the linear relations determine, all at once.

    An unknown is determined when no direction of the relations' null space
    moves it.
    """
    for group in list(_components(relations, values)):
        unknown = sorted({v for r in group for v in _unknowns(r, values)}, key=repr)
        if len(unknown) > MAX_COMPONENT_SIZE:
            continue
        index = {variable: position for position, variable in enumerate(unknown)}
        matrix = numpy.zeros((len(group), len(unknown)))
        right = numpy.zeros(len(group))
        for row_number, relation in enumerate(group):
            right[row_number] = relation.constant
            for variable, coefficient in relation.terms.items():
                if variable in index:
                    matrix[row_number, index[variable]] += coefficient
                else:
                    right[row_number] -= coefficient * values[variable]
        solution, *_ = numpy.linalg.lstsq(matrix, right, rcond=None)
        null_space = _null_space(matrix)
        for variable, position in index.items():
            if null_space.size == 0 or numpy.abs(null_space[position]).max() < 1e-9:
                values[variable] = float(solution[position])


def _null_space(matrix) -> numpy.ndarray:
    """Return an orthonormal basis of the matrix's null space, one per column."""
    rows, columns = matrix.shape
    if rows < columns:
        # Zero rows leave the null space as it is and give a square V below.
        matrix = numpy.vstack([matrix, numpy.zeros((columns - rows, columns))])
    _, singular, right_vectors = numpy.linalg.svd(matrix, full_matrices=False)
    tolerance = max(matrix.shape) * numpy.finfo(float).eps * (singular.max(initial=0))
    rank = int((singular > tolerance).sum())
    return right_vectors[rank:].conj().T


def _propagate_bounds(relations, values, bounds) -> None:
    """Narrow the counts' bounds through the relations, to a fixed point."""
    interval = {
        variable: (low, high)
        for variable, (low, high) in bounds.items()
        if variable not in values
    }
    for _ in range(50):
        changed = False
        for relation in relations:
            unknown = _unknowns(relation, values)
            if not unknown or not all(v in interval for v in unknown):
                continue
            rest = relation.constant - sum(
                coefficient * values[variable]
                for variable, coefficient in relation.terms.items()
                if variable in values
            )
            for variable in unknown:
                coefficient = relation.terms[variable]
                others_low = others_high = 0.0
                for other in unknown:
                    if other == variable:
                        continue
                    low, high = interval[other]
                    part = (relation.terms[other] * low, relation.terms[other] * high)
                    others_low += min(part)
                    others_high += max(part)
                low = (rest - others_high) / coefficient
                high = (rest - others_low) / coefficient
                if coefficient < 0:
                    low, high = high, low
                old_low, old_high = interval[variable]
                new = (
                    max(old_low, math.ceil(low - 1e-6)),
                    min(old_high, math.floor(high + 1e-6)),
                )
                if new != (old_low, old_high):
                    interval[variable] = new
                    changed = True
        if not changed:
            break
    for variable, (low, high) in interval.items():
        if low == high:
            values[variable] = float(low)


# Checking against the truth


def true_figures(connection) -> dict:
    """Return each suppressed cell's figures before suppression."""
    truth = {}
    for row in rows(
        connection,
        "select * from intermediate.int_indicator_cells_suppressed where is_suppressed",
    ):
        cell = school_cell(row, row["unit_type"], row["unit_id"])
        truth[cell] = row
    for row in rows(
        connection,
        "select * from intermediate.int_response_counts_suppressed where is_suppressed",
    ):
        cell = count_cell(
            row["school_id"],
            row["academic_year"],
            row["stakeholder_group"],
            row["key_stage"],
        )
        truth[cell] = row
    if has_table(connection, "intermediate", "int_borough_cells_suppressed"):
        for row in rows(
            connection,
            "select * from intermediate.int_borough_cells_suppressed "
            "where is_suppressed",
        ):
            if row["cell_type"] == "indicator":
                cell = borough_cell(
                    row["academic_year"],
                    row["stakeholder_group"],
                    row["phase"],
                    row["indicator_level"],
                    row["indicator_id"],
                )
            else:
                cell = (
                    "borough_count",
                    row["academic_year"],
                    row["stakeholder_group"],
                    row["phase"],
                )
            truth[cell] = row
    return truth


def _close(recovered: float, true_value, tolerance: float) -> bool:
    return true_value is not None and abs(recovered - float(true_value)) <= tolerance


def is_protected(cell: tuple, row: dict) -> bool:
    """Return whether a suppressed cell's figures are secret from every reader.

    Every suppressed school cell is. A borough cell is when it counts fewer
    respondents than the threshold or includes a school whose own figure is
    suppressed. A borough figure hidden only for having too few schools,
    all of them published, adds up published school figures and tells a
    borough user nothing new.
    """
    if cell[0] not in ("borough", "borough_count"):
        return True
    if row["suppression_reason"] == "below_threshold":
        return True
    hidden = row.get("n_hidden_schools")
    return hidden is None or hidden > 0


def recoveries(values: dict, truth: dict) -> list[Recovery]:
    """Return each protected figure that values pin down to its true value."""
    found = []
    for cell, row in truth.items():
        if not is_protected(cell, row):
            continue
        for figure, recovered, true_value, tolerance in _candidates(values, cell, row):
            if recovered is not None and _close(recovered, true_value, tolerance):
                found.append(Recovery(cell, figure, recovered, float(true_value)))
    return found


def _candidates(values: dict, cell: tuple, row: dict) -> list[tuple]:
    """Return (figure, value the attack found or None, true value, tolerance)."""

    def found(quantity):
        return values.get((quantity, cell))

    candidates = []
    n = found("n")
    if "n_respondents" in row:
        candidates.append(("n_respondents", n, row["n_respondents"], 0.5))
    if "n_responses" in row:
        candidates.append(("n_responses", found("responses"), row["n_responses"], 0.5))
        candidates.append(
            ("n_excluded", found("excluded_responses"), row.get("n_excluded"), 0.5)
        )
    score_sum = found("score_sum")
    if n and score_sum is not None and row.get("score") is not None:
        candidates.append(("score", score_sum / n, row["score"], FIGURE_TOLERANCE))
    dont_know = found("dont_know")
    if dont_know is not None and row.get("n_dont_know_answers") is not None:
        candidates.append(
            ("dont_know_answers", dont_know, row["n_dont_know_answers"], 0.5)
        )
    positive, answers = found("positive"), found("answers")
    if (
        positive is not None
        and answers is not None
        and dont_know is not None
        and answers - dont_know > 0
        and row.get("pct_positive") is not None
    ):
        share = 100 * positive / (answers - dont_know)
        candidates.append(
            ("pct_positive", share, row["pct_positive"], FIGURE_TOLERANCE)
        )
    return candidates


def attack(path: Path) -> tuple[list[Recovery], System, set]:
    """Run the attack on a published warehouse file; return what it recovers,
    the system it solved and the relation families it left out as inexact."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        system = read_system(connection)
        truth = true_figures(connection)
    finally:
        connection.close()
    _, inexact = exact_families(system)
    values = solve(system)
    return recoveries(values, truth), system, inexact


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("published", type=Path, help="path of published.duckdb")
    arguments = parser.parse_args(argv)
    if not arguments.published.is_file():
        parser.error(f"{arguments.published} not found: give a published.duckdb")

    found, system, inexact = attack(arguments.published)
    print(
        f"{len(system.relations)} relations over {len(system.suppressed)} "
        f"suppressed cells; left out as inexact: {', '.join(sorted(inexact)) or 'none'}"
    )
    for recovery in found:
        print(f"RECOVERED {recovery}")
    print(f"{len(found)} suppressed figures recovered")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
