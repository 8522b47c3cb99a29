"""Household economic-status verification (家庭经济状况核对): department data sources, imports."""
