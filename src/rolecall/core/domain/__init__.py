"""The domain: profiles and the catalog, credentials and sessions, time, durations, regions, search and the project's errors. No I/O."""
