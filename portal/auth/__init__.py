"""Authentication and roles. Other rooms import only ``portal.auth.decorators``."""
