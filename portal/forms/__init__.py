"""WTForms form classes, one module per room."""
