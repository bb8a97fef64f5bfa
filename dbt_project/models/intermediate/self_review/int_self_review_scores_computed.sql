{#
    Scores of each submitted self-review version, per practice and per
    component. A practice scores its rating (0, 33.3, 66.7 or 100); a
    component scores the mean of its rated practices' levels x 100 / 3,
    rounded once to one decimal place. Drafts are left out: only a submitted
    version is compared with stakeholder views.
#}

with

self_reviews as (

    select * from {{ ref('stg_self_review__self_reviews') }}

),

ratings as (

    select * from {{ ref('stg_self_review__ratings') }}

),

submitted_versions as (

    select
        *,

        self_review_version = max(self_review_version) over (
            partition by school_id, academic_year
        ) as is_latest_version

    from self_reviews
    where is_submitted

),

rated_practices as (

    select
        submitted_versions.school_id,
        submitted_versions.academic_year,
        submitted_versions.self_review_id,
        submitted_versions.self_review_version,
        submitted_versions.submitted_at,
        submitted_versions.is_latest_version,
        ratings.component_id,
        ratings.practice_id,
        ratings.rating_level,
        ratings.rating_score

    from submitted_versions

    inner join ratings
        on submitted_versions.self_review_id = ratings.self_review_id

    where ratings.rating_level is not null

),

practice_scores as (

    select
        school_id,
        academic_year,
        self_review_id,
        self_review_version,
        submitted_at,
        is_latest_version,
        'practice' as indicator_level,
        component_id,
        practice_id,
        practice_id as indicator_id,
        rating_level,
        rating_score as self_review_score,
        1 as n_practices_rated

    from rated_practices

),

component_scores as (

    select
        school_id,
        academic_year,
        self_review_id,
        self_review_version,
        submitted_at,
        is_latest_version,
        'component' as indicator_level,
        component_id,
        null::varchar as practice_id,
        component_id as indicator_id,
        null::integer as rating_level,
        round(avg(rating_level) * 100 / 3.0, 1) as self_review_score,
        count(*) as n_practices_rated

    from rated_practices
    group by all

),

self_review_scores as (

    select * from practice_scores

    union all by name

    select * from component_scores

)

select * from self_review_scores
