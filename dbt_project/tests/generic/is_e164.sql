{# Values, where set, are phone numbers in E.164: `+`, a country code, at most 15 digits. #}
{% test is_e164(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and not regexp_full_match({{ column_name }}, '\+[1-9][0-9]{6,14}')
{% endtest %}
