"""Tools registered with the development LMS through LTI Dynamic Registration, and the LMS admin's tools page."""
