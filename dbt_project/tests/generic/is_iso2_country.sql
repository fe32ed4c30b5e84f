{# Values, where set, are two upper-case letters (the ISO 3166-1 alpha-2 shape). #}
{% test is_iso2_country(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and not regexp_full_match({{ column_name }}, '[A-Z]{2}')
{% endtest %}
