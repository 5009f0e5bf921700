"""The LMS's own world: sites, users, courses, enrolments, resource links, and its pages."""
