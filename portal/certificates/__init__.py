"""Certificates room: pure PDF rendering and signing; services number, sign and persist."""
