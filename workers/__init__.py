"""Celery workers: thin tasks that call pharmacy services. Started by `pharmacy worker`."""
