"""Declarative label stocks and document layouts, read by `pharmacy.labels`."""
