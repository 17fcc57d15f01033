"""Where inputs come from besides files and page URLs: SEC EDGAR (edgar.py), RSS/Atom feeds and
URL lists (feeds.py)."""
