"""The customer-service assistant: intents, FAQ and product search, orders, hand-off."""
