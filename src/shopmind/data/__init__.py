"""Shop data: the schema, import and validation, the store, the snapshot engines use."""
