"""The commission's review workflow: queue, return with comment, approve, amendments."""
