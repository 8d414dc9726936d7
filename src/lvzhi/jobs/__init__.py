"""Background jobs: long work (imports, re-scores, bulk reports, reading many reports, registry updates,
reminders) runs in a worker process through Django's tasks framework, with an owner, progress, a result or
an error in Chinese, an audit record, and cancel. See docs/architecture.md (background jobs)."""
