{#
    Every non-null golden value has its evidence: a lineage row for the same golden id and
    attribute with the same value. Fails the mastered build (and so blocks publication)
    when survivorship and lineage ever disagree.
#}
{#- a Dagster asset check on the model it guards (it reads more than one) -#}
{{ config(meta={"dagster": {"ref": {"name": "golden_attribute_lineage"}}}) }}
{%- set attributes = golden_attributes() -%}

with golden as (

    unpivot (
        select
            golden_id,
            {% for name in attributes -%}
            cast({{ name }} as varchar) as {{ name }}{{ "," if not loop.last }}
            {% endfor %}
        from {{ ref('golden_customer') }}
    )
    on columns(* exclude (golden_id)) into name attribute value value

)

select golden.*
from golden
anti join {{ ref('golden_attribute_lineage') }} as lineage
    on lineage.golden_id = golden.golden_id
    and lineage.attribute = golden.attribute
    and lineage.value = golden.value
