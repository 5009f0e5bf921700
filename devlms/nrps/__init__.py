"""Names and Role Provisioning Services 2.0 on the platform side."""
