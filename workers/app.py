"""The Celery app, bound to the Flask app's configuration.

Reliability settings follow from one rule: queued work is never lost. A task is
acknowledged only after it finishes (acks_late), a worker that dies hands its task
back (reject_on_worker_lost), and each process takes one task at a time (prefetch 1)
so a crash strands nothing else. The outbox sweep covers what a broker itself loses.
"""

from __future__ import annotations

from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask

from pharmacy import create_app
from pharmacy.extensions import database
from pharmacy.queue import broker_options

TASK_TIME_LIMIT_S = 300  # well under the broker's visibility timeout (3600 s)
# Automatic refills and renewal requests go by the pharmacy's day; a round every hour
# takes up a new day within the hour, and a round that finds nothing new is cheap.
REFILL_ROUND_INTERVAL_S = 3600
STOCK_DIGEST_INTERVAL_S = 24 * 3600  # the stock digest, once a day


def make_celery(flask_app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(flask_app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_options(flask_app.config),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=TASK_TIME_LIMIT_S,
        task_soft_time_limit=TASK_TIME_LIMIT_S - 30,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        beat_schedule={
            "sweep-outbox": {
                "task": "workers.tasks.sweep_outbox",
                "schedule": flask_app.config["OUTBOX_SWEEP_INTERVAL_S"],
            },
            "refills-and-renewals": {
                "task": "workers.tasks.start_refills_and_ask_renewals",
                "schedule": REFILL_ROUND_INTERVAL_S,
            },
            # Clinics' webhooks: new events made and due deliveries sent (workers/webhooks).
            "webhooks": {
                "task": "workers.webhooks.scan",
                "schedule": flask_app.config["WEBHOOK_SCAN_INTERVAL_S"],
                # A webhook worker that was away skips the rounds missed, not runs each.
                "options": {"expires": flask_app.config["WEBHOOK_SCAN_INTERVAL_S"] * 4},
            },
            # Lots expiring and ingredients running short, to the audit trail (workers/stock).
            "stock-digest": {
                "task": "workers.stock.digest",
                "schedule": STOCK_DIGEST_INTERVAL_S,
            },
        },
        # Webhook tasks have a queue of their own: a slow receiver never delays an order.
        task_routes={"workers.webhooks.*": {"queue": "webhooks"}},
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


from . import stock, tasks, webhooks  # noqa: E402,F401  (registers the tasks on celery_app)
