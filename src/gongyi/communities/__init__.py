"""Communities (社区) as records, and each community's needs list (需求清单) per year."""
