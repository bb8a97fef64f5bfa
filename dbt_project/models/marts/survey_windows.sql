with

survey_windows as (

    select * from {{ ref('stg_survey__survey_windows') }}

),

question_bank_versions as (

    select * from {{ ref('stg_survey__question_bank_versions') }}

),

windows_with_framework as (

    select
        survey_windows.window_id,
        survey_windows.school_id,
        survey_windows.academic_year,
        survey_windows.opens_on,
        survey_windows.closes_on,
        survey_windows.bank_version,
        question_bank_versions.framework_version

    from survey_windows

    left join question_bank_versions
        on survey_windows.bank_version = question_bank_versions.bank_version

)

select * from windows_with_framework
order by school_id, academic_year
