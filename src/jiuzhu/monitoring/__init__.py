"""Proactive discovery and early warning (主动发现、动态监测): signals, warnings, tasks."""
