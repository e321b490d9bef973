"""Third-party institutions and the supply-demand matching of services for small enterprises."""
