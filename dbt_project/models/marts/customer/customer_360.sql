{#
    One row per golden customer, as of a reference date (var 'customer_360_as_of':
    MDM_AS_OF_DATE, else the UTC date the run started): purchases (shop orders and ERP
    invoices, in CNY) and social engagement up to the end of that day, RFM scores, value
    tier, behaviour (active / potential / churned), churn risk, lifecycle stage, and
    consent. Every threshold is in the var block 'customer_360' of dbt_project.yml; the
    rules are spelled out in _customer__models.yml.
#}

{%- set event_types = ["post", "comment", "like", "share", "mention"] -%}
{%- set platforms = ["wechat", "weibo", "x", "linkedin"] -%}
{%- set settings = var("customer_360") -%}

{#- The reference date: a real calendar day, or a compile error that names its source. -#}
{%- set as_of = var("customer_360_as_of") | string | trim -%}
{%- set as_of_parts = modules.re.fullmatch("([0-9]{4})-([0-9]{2})-([0-9]{2})", as_of) -%}
{%- set as_of_is_valid = false -%}
{%- if as_of_parts -%}
    {%- set year = as_of_parts.group(1) | int -%}
    {%- set month = as_of_parts.group(2) | int -%}
    {%- set day = as_of_parts.group(3) | int -%}
    {%- if 1 <= year <= 9998 and 1 <= month <= 12 -%}
        {%- set next_month = modules.datetime.date(year + month // 12, month % 12 + 1, 1) -%}
        {%- set days_in_month = (next_month - modules.datetime.timedelta(days=1)).day -%}
        {%- set as_of_is_valid = 1 <= day <= days_in_month -%}
    {%- endif -%}
{%- endif -%}
{%- if not as_of_is_valid -%}
    {{ exceptions.raise_compiler_error(
        "customer_360: MDM_AS_OF_DATE (dbt var customer_360_as_of) must be a date "
        ~ "YYYY-MM-DD, got '" ~ as_of ~ "'"
    ) }}
{%- endif -%}

{#- Each score has four ascending thresholds, so that it runs from 1 to 5. -#}
{%- for name in ["recency_max_days", "frequency_min_purchases", "monetary_min_cny"] -%}
    {%- set thresholds = settings[name] -%}
    {%- if thresholds | length != 4 or thresholds | list != thresholds | sort | list -%}
        {{ exceptions.raise_compiler_error(
            "customer_360: var customer_360." ~ name
            ~ " must be four ascending numbers, got " ~ thresholds
        ) }}
    {%- endif -%}
{%- endfor %}

with

golden_customers as (

    select * from {{ ref('golden_customer') }}

),

purchases as (

    select * from {{ ref('customer_purchases') }}

),

xref as (

    select * from {{ source('mdm_build', 'customer_xref') }}

),

engagement as (

    select * from {{ ref('stg_social__engagement') }}

),

reference_date as (

    select date '{{ as_of }}' as as_of_date

),

-- A purchase or an event counts up to the end of the reference day; one without a
-- readable time cannot be placed before it and does not count.
purchases_as_of as (

    select
        purchases.*,
        cast(purchases.purchased_at as date) as purchased_on,
        reference_date.as_of_date
    from purchases
    cross join reference_date
    where purchases.purchased_at < reference_date.as_of_date + interval 1 day

),

engagement_as_of as (

    select engagement.*
    from engagement
    cross join reference_date
    where engagement.occurred_at < reference_date.as_of_date + interval 1 day

),

purchase_summary as (

    select
        golden_id,
        count(*) filter (where purchase_type = 'order') as order_count,
        sum(amount_cny) filter (where purchase_type = 'order') as order_total_cny,
        min(purchased_at) filter (where purchase_type = 'order') as first_order_at,
        max(purchased_at) filter (where purchase_type = 'order') as last_order_at,
        count(*) filter (where purchase_type = 'invoice') as invoice_count,
        sum(amount_cny) filter (where purchase_type = 'invoice') as invoice_total_cny,
        min(purchased_at) filter (where purchase_type = 'invoice') as first_invoice_at,
        max(purchased_at) filter (where purchase_type = 'invoice') as last_invoice_at,
        count(*) filter (where amount_cny is null) as unconverted_purchase_count,
        min(purchased_at) as first_purchase_at,
        max(purchased_at) as last_purchase_at,
        count(*) filter (
            where purchased_on > as_of_date - interval {{ settings.purchase_trend_months }} month
        ) as purchases_last_window,
        count(*) filter (
            where purchased_on <= as_of_date - interval {{ settings.purchase_trend_months }} month
                and purchased_on
                    > as_of_date - interval {{ 2 * settings.purchase_trend_months }} month
        ) as purchases_prior_window
    from purchases_as_of
    group by golden_id

),

engagement_summary as (

    select
        xref.golden_id,
        count(*) as engagement_count,
        {% for event_type in event_types -%}
        count(*) filter (where engagement_as_of.event_type = '{{ event_type }}') as {{ event_type }}_count,
        {% endfor -%}
        {% for platform in platforms -%}
        count(*) filter (where engagement_as_of.platform = '{{ platform }}')
            as {{ platform }}_engagement_count,
        {% endfor -%}
        max(engagement_as_of.occurred_at) as last_engagement_at
    from engagement_as_of
    inner join xref
        on xref.source_system = 'social'
        and engagement_as_of.profile_id = xref.source_record_id
    group by xref.golden_id

),

customers as (

    select
        golden_customers.golden_id,
        reference_date.as_of_date,

        ---------- purchases
        coalesce(purchase_summary.order_count, 0) as order_count,
        coalesce(purchase_summary.order_total_cny, 0)::decimal(18, 2) as order_total_cny,
        purchase_summary.first_order_at,
        purchase_summary.last_order_at,
        coalesce(purchase_summary.invoice_count, 0) as invoice_count,
        coalesce(purchase_summary.invoice_total_cny, 0)::decimal(18, 2) as invoice_total_cny,
        purchase_summary.first_invoice_at,
        purchase_summary.last_invoice_at,
        coalesce(purchase_summary.order_count, 0)
            + coalesce(purchase_summary.invoice_count, 0) as purchase_count,
        (
            coalesce(purchase_summary.order_total_cny, 0)
            + coalesce(purchase_summary.invoice_total_cny, 0)
        )::decimal(18, 2) as total_spend_cny,
        coalesce(purchase_summary.unconverted_purchase_count, 0) as unconverted_purchase_count,
        purchase_summary.first_purchase_at,
        purchase_summary.last_purchase_at,
        coalesce(purchase_summary.purchases_last_window, 0) as purchases_last_6_months,
        coalesce(purchase_summary.purchases_prior_window, 0) as purchases_prior_6_months,
        cast(purchase_summary.first_purchase_at as date) as first_purchased_on,
        cast(purchase_summary.last_purchase_at as date) as last_purchased_on,
        date_diff(
            'day', cast(purchase_summary.last_purchase_at as date), reference_date.as_of_date
        ) as recency_days,

        ---------- social engagement
        coalesce(engagement_summary.engagement_count, 0) as engagement_count,
        {% for event_type in event_types -%}
        coalesce(engagement_summary.{{ event_type }}_count, 0) as {{ event_type }}_count,
        {% endfor -%}
        {% for platform in platforms -%}
        coalesce(engagement_summary.{{ platform }}_engagement_count, 0)
            as {{ platform }}_engagement_count,
        {% endfor -%}
        engagement_summary.last_engagement_at,

        ---------- consent
        golden_customers.email_opt_in

    from golden_customers
    cross join reference_date
    left join purchase_summary on golden_customers.golden_id = purchase_summary.golden_id
    left join engagement_summary on golden_customers.golden_id = engagement_summary.golden_id

),

-- Scores are null for a customer without a purchase: there is nothing to score.
rfm as (

    select
        *,
        case when purchase_count > 0 then
            1
            {%- for max_days in settings.recency_max_days %}
            + (recency_days <= {{ max_days }})::integer
            {%- endfor %}
        end as recency_score,
        case when purchase_count > 0 then
            1
            {%- for min_purchases in settings.frequency_min_purchases %}
            + (purchase_count >= {{ min_purchases }})::integer
            {%- endfor %}
        end as frequency_score,
        case when purchase_count > 0 then
            1
            {%- for min_cny in settings.monetary_min_cny %}
            + (total_spend_cny >= {{ min_cny }})::integer
            {%- endfor %}
        end as monetary_score
    from customers

),

segmented as (

    select
        *,
        recency_score::varchar || frequency_score::varchar || monetary_score::varchar
            as rfm_score,
        recency_score + frequency_score + monetary_score as rfm_total,
        purchase_count > 0
            and last_purchased_on <= as_of_date - interval {{ settings.churn_risk_after_months }} month
            as churn_risk
    from rfm

),

final as (

    select
        golden_id,
        as_of_date,

        ---------- purchases
        order_count,
        order_total_cny,
        first_order_at,
        last_order_at,
        invoice_count,
        invoice_total_cny,
        first_invoice_at,
        last_invoice_at,
        purchase_count,
        total_spend_cny,
        unconverted_purchase_count,
        first_purchase_at,
        last_purchase_at,
        purchases_last_6_months,
        purchases_prior_6_months,

        ---------- value
        total_spend_cny as lifetime_value_cny,
        round(
            total_spend_cny / nullif(purchase_count - unconverted_purchase_count, 0), 2
        )::decimal(18, 2) as average_purchase_cny,

        ---------- RFM
        recency_days,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_score,
        rfm_total,
        case
            when rfm_total >= {{ settings.value_tier_high_min_rfm_total }} then 'high'
            when rfm_total >= {{ settings.value_tier_medium_min_rfm_total }} then 'medium'
            else 'low'
        end as value_tier,

        ---------- behaviour and lifecycle
        case
            when purchase_count = 0 then 'potential'
            when last_purchased_on > as_of_date - interval {{ settings.churned_after_months }} month
                then 'active'
            else 'churned'
        end as behaviour,
        churn_risk,
        case
            when purchase_count = 0 then null
            when first_purchased_on > as_of_date - interval {{ settings.new_within_months }} month
                then 'new'
            when churn_risk or purchases_last_6_months < purchases_prior_6_months
                then 'declining'
            when first_purchased_on > as_of_date - interval {{ settings.growing_within_months }} month
                then 'growing'
            else 'mature'
        end as lifecycle_stage,

        ---------- social engagement
        engagement_count,
        {% for event_type in event_types -%}
        {{ event_type }}_count,
        {% endfor -%}
        {% for platform in platforms -%}
        {{ platform }}_engagement_count,
        {% endfor -%}
        last_engagement_at,

        ---------- consent
        email_opt_in

    from segmented

)

select * from final
