"""The bundle across the apps: export (export.py), import into the database
(importer.py) and comparison with an adopted bundle (compare.py). Its format and
validation are in budgets/bundle.py and budgets/bundle_schema.py."""
