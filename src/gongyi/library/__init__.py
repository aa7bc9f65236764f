"""The project library across editions, co-funders and their pledges, brand projects and their
replications, entry rules that read an organisation's record across editions, and funding sources
and leverage across calls."""
