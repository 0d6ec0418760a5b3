"""The workspace: its schema and migrations (schema.py), the Workspace that reads and writes it (store.py), and
the import of call logs and interval reports (importer.py, mapping.py). No SQL against the workspace lives
elsewhere."""
