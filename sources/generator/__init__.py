"""Synthetic multi-source customer data with ground truth.

``generate(out_dir, customers, seed, deliveries)`` writes a landing folder that follows
the source contract (``shared/contracts/SOURCES.md``): CRM contacts, ERP customers and
invoices, shop customers and orders, social profiles and engagement, plus
``_truth/records.csv`` linking every party record to the true customer behind it.

Modules: ``people`` / ``organizations`` (the true customers), ``presence`` (who is in
which source), ``crm`` / ``erp`` / ``ecommerce`` / ``social`` (each source's records),
``variants`` / ``renderings`` / ``emails`` / ``phones`` / ``addresses`` (how values get
written and corrupted), ``deliveries`` (numbered deliveries and changed re-deliveries),
``writers`` (file formats), ``settings`` (every rate, and the easy / standard / hard
difficulty levels that ``difficulty`` applies), ``names`` / ``places`` / ``companies``
(vocabularies).
"""

from sources.generator.landing import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
