"""Bulk import of organisations, people and certificates from CSV and XLSX files."""
