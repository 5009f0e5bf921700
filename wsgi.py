import gc

from app import create_app

app = create_app()
# Everything loaded at start (the app, the content model, SQLAlchemy's and Jinja's machinery) lives as long as the
# process: kept out of the garbage collector's full passes, which otherwise walk it each time (pauses of ~80 ms
# in the middle of a request; ~20 ms with it frozen).
gc.collect()
gc.freeze()
