"""Organisations, regions, memberships (and, as the registry grows: bases, talent, experts)."""
