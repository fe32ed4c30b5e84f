{# No two rows share the same values in all of `combination_of_columns` (a compound key). #}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(", ") }}, count(*) as rows_with_key
    from {{ model }}
    group by all
    having count(*) > 1
{% endtest %}
