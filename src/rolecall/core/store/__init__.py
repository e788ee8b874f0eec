"""What rolecall keeps: paths, private files and locks, the session cache and its layout, the
profiles index and the fast path's reader, settings, the keyring and the audit trail."""
