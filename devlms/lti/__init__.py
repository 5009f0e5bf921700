"""LTI 1.3 core on the platform side: keys, launches, OIDC authentication, access tokens."""
