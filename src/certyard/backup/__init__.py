"""Backup and restore of the database and keys into one encrypted archive."""

from __future__ import annotations

from certyard.backup.archive import BackupInfo, create_backup, read_backup_info, restore_backup

__all__ = ["BackupInfo", "create_backup", "read_backup_info", "restore_backup"]
