"""Administration: enterprises, users and reporting periods."""
