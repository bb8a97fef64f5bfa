{#
    One row per year pair (academic_year and the year before) x included
    respondent of either year x indicator that the pair compares in part:
    the respondent's mean score over the questions the pair compares
    (int_borough_questions_compared), so that both years' figures measure
    the same questions. The mean is computed as in the school figures, from
    integer sums. A respondent with no scored answer to a compared question
    has no row.

    Where the pair compares every question of an indicator, the compared
    score is the respondent's year score, so int_borough_school_cells takes
    the school's sums of those instead of going back to every answer.
#}

with

answers_scored as (

    select * from {{ ref('int_answers_scored') }}

),

responses_flagged as (

    select * from {{ ref('int_responses_flagged') }}

),

questions_asked as (

    select * from {{ ref('int_borough_questions_compared') }}

),

indicators_compared_in_part as (

    select distinct
        academic_year,
        stakeholder_group,
        indicator_level,
        indicator_id

    from questions_asked
    where not is_compared

),

questions_compared as (

    select questions_asked.*

    from questions_asked

    inner join indicators_compared_in_part
        on questions_asked.academic_year
        = indicators_compared_in_part.academic_year
        and questions_asked.stakeholder_group
        = indicators_compared_in_part.stakeholder_group
        and questions_asked.indicator_level
        = indicators_compared_in_part.indicator_level
        and questions_asked.indicator_id
        = indicators_compared_in_part.indicator_id

    where questions_asked.is_compared

),

schools as (

    select * from {{ ref('stg_survey__schools') }}

),

compared_answers as (

    select
        questions_compared.academic_year as comparison_year,
        questions_compared.previous_academic_year,
        responses_flagged.academic_year,
        questions_compared.stakeholder_group,
        questions_compared.indicator_level,
        questions_compared.indicator_id,
        questions_compared.component_id,
        questions_compared.practice_id,
        responses_flagged.school_id,
        answers_scored.response_seq,

        answers_scored.answer_value,
        answers_scored.points,
        answers_scored.is_positive

    from answers_scored

    inner join responses_flagged
        on answers_scored.response_seq = responses_flagged.response_seq

    inner join questions_compared
        on responses_flagged.stakeholder_group
        = questions_compared.stakeholder_group
        and answers_scored.question_id = questions_compared.question_id
        and responses_flagged.academic_year in (
            questions_compared.academic_year,
            questions_compared.previous_academic_year
        )

    where not responses_flagged.is_excluded
        and answers_scored.is_scored

),

respondent_scores as (

    select
        compared_answers.comparison_year,
        compared_answers.previous_academic_year,
        compared_answers.academic_year,
        compared_answers.stakeholder_group,
        compared_answers.indicator_level,
        compared_answers.indicator_id,
        compared_answers.component_id,
        compared_answers.practice_id,
        compared_answers.school_id,
        schools.phase,
        compared_answers.response_seq,

        count(*) as n_scored_answers,
        count(*) filter (where compared_answers.is_positive)
            as n_positive_answers,
        {# Integer sums keep the mean exact until the one division. #}
        100.0 * sum(compared_answers.answer_value - 1)
        / (count(*) * (any_value(compared_answers.points) - 1)) as mean_score

    from compared_answers

    inner join schools
        on compared_answers.school_id = schools.school_id

    group by all

)

select * from respondent_scores
