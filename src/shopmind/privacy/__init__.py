"""What shopmind holds about a customer: export it, erase it everywhere, keep raw data only as
long as the shop says, and keep personal fields out of the logs."""

from shopmind.privacy.erase import Erasure, erase_customer, forget_in_artifacts
from shopmind.privacy.export import export_customer
from shopmind.privacy.footprint import Footprint, footprint
from shopmind.privacy.masking import install_log_masking, mask_personal
from shopmind.privacy.retention import Retention, enforce_retention

__all__ = [
    "Erasure",
    "Footprint",
    "Retention",
    "enforce_retention",
    "erase_customer",
    "export_customer",
    "footprint",
    "forget_in_artifacts",
    "install_log_masking",
    "mask_personal",
]
