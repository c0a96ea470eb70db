"""The pharmacy's rules, free of Flask, SQLAlchemy, Celery and the clock.

Everything here takes plain values and returns plain values, so a rule can be read,
tested from a table and reused by the API, the workers and the dashboard alike.
"""
