"""evidence: PubMed research citations to a local store and evidence reports."""

__version__ = "0.1.0"
