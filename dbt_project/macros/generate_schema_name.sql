{#
    A model configured with `+schema: staging` lands in schema `staging` exactly (dbt's
    default would be `<target schema>_staging`): the warehouse layout (warehouse/layout.py)
    fixes the schema names every layer reads.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
