"""Lettering (lettrage) of third-party accounts: services, selectors, pages, guards."""
