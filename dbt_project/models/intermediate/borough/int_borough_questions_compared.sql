{#
    For each academic year of a stakeholder group that follows a surveyed
    year, the questions of each indicator (component or practice) asked in
    either of the two years, and whether the year-on-year change compares
    them.

    A question id is reused in a later bank version only for the same
    wording, practice and scale, so a question is measured the same way in
    both years when every question bank answered in the two years asks it.
    Banks are those of the included responses of the group in each year:
    schools may use different bank versions in one year, and a question
    missing from any of them was not put to every respondent. The change
    compares only these questions; the others make the comparison partial.
#}

with

responses_flagged as (

    select * from {{ ref('int_responses_flagged') }}

),

questions as (

    select * from {{ ref('stg_survey__questions') }}

),

question_bank_versions as (

    select * from {{ ref('stg_survey__question_bank_versions') }}

),

practices as (

    select * from {{ ref('stg_survey__practices') }}

),

banks_answered as (

    select distinct
        academic_year,
        stakeholder_group,
        bank_version

    from responses_flagged
    where not is_excluded

),

banks_counted as (

    select
        academic_year,
        stakeholder_group,
        count(*) as n_banks

    from banks_answered
    group by 1, 2

),

{# A year and the academic year before it, like 2024/25 and 2023/24. #}
year_pairs as (

    select
        current_year.academic_year,
        previous_year.academic_year as previous_academic_year,
        current_year.stakeholder_group

    from banks_counted as current_year

    inner join banks_counted as previous_year
        on current_year.stakeholder_group = previous_year.stakeholder_group
        and previous_year.academic_year
        = (left(current_year.academic_year, 4)::integer - 1)::varchar
        || '/' || substr(current_year.academic_year, 3, 2)

),

year_questions as (

    select
        banks_answered.academic_year,
        banks_answered.stakeholder_group,
        questions.question_id,
        questions.practice_id,
        practices.component_id,
        count(distinct banks_answered.bank_version) as n_banks_asking

    from banks_answered

    inner join questions
        on banks_answered.bank_version = questions.bank_version
        and banks_answered.stakeholder_group = questions.stakeholder_group

    inner join question_bank_versions
        on questions.bank_version = question_bank_versions.bank_version

    inner join practices
        on question_bank_versions.framework_version
        = practices.framework_version
        and questions.practice_id = practices.practice_id

    group by 1, 2, 3, 4, 5

),

year_questions_counted as (

    select
        year_questions.*,
        year_questions.n_banks_asking = banks_counted.n_banks
            as is_asked_in_every_bank

    from year_questions

    inner join banks_counted
        on year_questions.academic_year = banks_counted.academic_year
        and year_questions.stakeholder_group = banks_counted.stakeholder_group

),

pair_questions_asked as (

    select
        year_pairs.*,
        year_questions_counted.question_id,
        year_questions_counted.practice_id,
        year_questions_counted.component_id,
        year_questions_counted.is_asked_in_every_bank

    from year_pairs

    inner join year_questions_counted
        on year_pairs.stakeholder_group
        = year_questions_counted.stakeholder_group
        and year_pairs.academic_year = year_questions_counted.academic_year

    union all by name

    select
        year_pairs.*,
        year_questions_counted.question_id,
        year_questions_counted.practice_id,
        year_questions_counted.component_id,
        year_questions_counted.is_asked_in_every_bank

    from year_pairs

    inner join year_questions_counted
        on year_pairs.stakeholder_group
        = year_questions_counted.stakeholder_group
        and year_pairs.previous_academic_year
        = year_questions_counted.academic_year

),

{# One row per year pair x question, whichever years asked it. #}
pair_questions as (

    select
        academic_year,
        previous_academic_year,
        stakeholder_group,
        question_id,
        practice_id,
        component_id,

        count(*) = 2 and bool_and(is_asked_in_every_bank) as is_compared

    from pair_questions_asked
    group by 1, 2, 3, 4, 5, 6

),

indicator_questions as (

    select
        academic_year,
        previous_academic_year,
        stakeholder_group,
        'component' as indicator_level,
        component_id as indicator_id,
        component_id,
        null::varchar as practice_id,
        question_id,
        is_compared

    from pair_questions

    union all by name

    select
        academic_year,
        previous_academic_year,
        stakeholder_group,
        'practice' as indicator_level,
        practice_id as indicator_id,
        component_id,
        practice_id,
        question_id,
        is_compared

    from pair_questions

)

select * from indicator_questions
