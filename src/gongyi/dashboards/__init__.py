"""Seeing the whole competition: the coverage map of needs and projects, the dashboards per call
and across editions, a community's focus areas and a published call's public figures."""
