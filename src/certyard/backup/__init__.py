"""Backup and restore of the database and keys into one encrypted archive."""

from __future__ import annotations

from certyard.backup.archive import BackupInfo, create_backup, read_backup_info, restore_backup
from certyard.backup.security_password import (
    SecurityPasswordStatus,
    check_security_password,
    security_password_meets_fips,
    security_password_status,
    set_security_password,
)

__all__ = ["BackupInfo", "SecurityPasswordStatus", "check_security_password", "create_backup",
           "read_backup_info", "restore_backup", "security_password_meets_fips",
           "security_password_status", "set_security_password"]
