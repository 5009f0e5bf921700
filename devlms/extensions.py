"""The development LMS's own database extension, unbound until `create_devlms_app` binds it."""

from flask_sqlalchemy import SQLAlchemy

# Its own instance (and so its own metadata): the LMS never shares tables with the tool.
db = SQLAlchemy()
