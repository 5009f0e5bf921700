"""Everything tests share, loaded through `pytest_plugins` in tests/conftest.py; test modules import helpers from
here, never fixtures, and never from another test module or a conftest.

app.py       the database per run, the app built once per run, each test rolled back (app, client, clock, runner)
worlds.py    world, launch_as(role)            factories.py  make_world, make_launch, sign_in, the LTI roles
content.py   fixture content, the small path   badges.py     complete_module, badge files, use_badges
admin.py     the admin account and the admin's registrations, deployments and organisations
live_lms.py  the tool and the development LMS on real HTTP (lti_world)   gunicorn.py  the tool under gunicorn
browser.py   Chromium (chromium, journey_world)  pages.py  the tool's pages over real HTTP
mail.py      smtp: a real SMTP server (aiosmtpd) and its inbox
reports.py   generate_organisation: a seeded organisation of hundreds; placements: every person's, as the map counts
"""
