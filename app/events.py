"""Signals that decouple features: one feature emits, others listen (grades and badges listen to learning)."""
from blinker import Namespace

signals = Namespace()

launch_completed = signals.signal("launch-completed")
deployment_created = signals.signal("deployment-created")
# Sent inside the merge's transaction: each feature moves its own rows from `merged` to `kept`.
people_merged = signals.signal("people-merged")
