"""The job runner: `flask worker` claims queued jobs, retries with backoff, and schedules periodic ones."""


def init_app(app):
    from app.jobs import mail, models, purge  # noqa: F401  (the jobs table; the purge and mail handlers registered)
    from app.jobs.cli import worker_command

    app.cli.add_command(worker_command)
