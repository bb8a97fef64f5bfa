{{ select_respondent_scores('practice') }}
