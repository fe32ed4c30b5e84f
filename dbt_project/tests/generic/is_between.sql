{# Values, where set, lie between min_value and max_value, both included. #}
{% test is_between(model, column_name, min_value, max_value) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and {{ column_name }} not between {{ min_value }} and {{ max_value }}
{% endtest %}
