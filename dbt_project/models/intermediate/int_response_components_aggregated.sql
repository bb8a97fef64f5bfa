{{ select_respondent_scores('component') }}
