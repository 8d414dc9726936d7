"""On-site inspection (实地督导): risk-based selection of regions, inspection plans and findings, credibility."""
