"""Assignment and Grade Services 2.0 on the platform side, and the gradebook."""
