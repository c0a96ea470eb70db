"""What the tests share, by topic: the tests import their helpers from here and their
fixtures from the conftest files, never from one another.

- `databases`: fresh databases, migrated and stocked; an app of a test's own
- `clinics`: a clinic and its API key
- `orders`: the one order builder: the example prescription with changes, submitted,
  and brought to any state by the allowed moves
- `staff`: staff accounts, and a desk (a logged-in client) that posts forms with CSRF
- `labels`: the facts of the labels and receipts the tests print
- `pdf`: what a printed PDF says, read back (text, glyph boxes, barcodes)
- `workers`: real Celery workers, beat and Redis, started as the operator would
- `network`: free ports, and a relay that cuts a connection on demand
- `waiting`: waiting for something that happens in another process
- `compounding`, `screening_cases`: the domain's tables for the unit tests
"""
