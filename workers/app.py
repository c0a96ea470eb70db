"""The Celery app, bound to the Flask app's configuration.

Reliability settings follow from one rule: queued work is never lost. A task is
acknowledged only after it finishes (acks_late), a worker that dies hands its task
back (reject_on_worker_lost), and each process takes one task at a time (prefetch 1)
so a crash strands nothing else.
"""

from __future__ import annotations

from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask

from pharmacy import create_app
from pharmacy.extensions import database

VISIBILITY_TIMEOUT_S = 3600
TASK_TIME_LIMIT_S = 300  # well under the visibility timeout, so no task runs twice at once


def make_celery(flask_app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(flask_app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=flask_app.config["BROKER_URL"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=TASK_TIME_LIMIT_S,
        task_soft_time_limit=TASK_TIME_LIMIT_S - 30,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        task_serializer="json",
        accept_content=["json"],
    )
    celery.set_default()
    flask_app.extensions["celery"] = celery
    return celery


flask_app = create_app()
celery_app = make_celery(flask_app)


@worker_process_init.connect
def _fresh_connections_after_fork(**_kwargs) -> None:
    # A forked child must not share the parent's database sockets.
    database.bound(flask_app).engine.dispose(close=False)
