{# Every row satisfies `expression`, a boolean SQL expression over the model's columns. #}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}
