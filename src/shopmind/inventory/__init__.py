"""Inventory: lead-time demand, reorder points and order sizes, policy simulation, reorder lists.

`policy` turns quantile forecasts into the distribution of demand over the lead time plus the
review period and derives safety stock, reorder points, order-up-to levels and EOQ; `simulate`
replays (R,S), (s,S) and (s,Q) policies over demand series; `reorder` lists what to order today.
"""
