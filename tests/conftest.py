"""Every shared fixture lives in tests/support and is loaded here; test modules never import fixtures."""

pytest_plugins = [
    "tests.support.app",  # the database, the app built once per run, each test rolled back; client, clock, on_redis
    "tests.support.worlds",  # world, launch_as(role)
    "tests.support.content",  # player_path
    "tests.support.badges",  # use_badges
    "tests.support.mail",  # smtp: a real SMTP server (aiosmtpd) and its inbox
    "tests.support.admin",  # admin_user, admin_client, make_registration, make_deployment, make_organisation
    "tests.support.live_lms",  # lti_world, unregistered_lti_world: the tool and the development LMS on real HTTP
    "tests.support.gunicorn",  # gunicorn_tool
    "tests.support.browser",  # chromium, journey_world
]
