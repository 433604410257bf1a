"""Each package's public surface (``__all__``) is pinned: what other rooms may import is a
decision, so adding or removing a name shows up here in review (CONVENTIONS 8, httpx's habit).
Update PUBLIC with the change when the change is meant."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import certyard

PUBLIC: dict[str, list[str]] = {
    'certyard': ['__version__'],
    'certyard.accounts': [
        'ACTIONS', 'AREAS', 'AuthCache', 'BUILTIN_ROLES', 'DEFAULT_ADMIN', 'DEFAULT_NEW_USER_ROLE',
        'DEFAULT_RULES', 'KEY_ACCESS', 'Principal', 'RESERVED_NAMES', 'RateLimiter', 'RoleView',
        'SessionView', 'SignInThrottled', 'TokenView', 'UserView', 'account_housekeeping',
        'add_allowed', 'authenticate', 'change_password', 'check_new_password', 'check_role',
        'count_sign_in_attempt', 'create_role', 'create_token', 'create_user', 'delete_allowed',
        'delete_role', 'delete_user', 'describe_rules', 'end_session', 'ensure_initial_admin',
        'get_auth_rules', 'hash_password', 'is_allowed', 'list_allowed', 'list_roles',
        'list_sessions', 'list_tokens', 'list_users', 'new_password_rules', 'reset_password',
        'resolve_session', 'resolve_token', 'revoke_token', 'set_auth_rules', 'set_role',
        'show_user', 'start_session', 'terminate_user_sessions', 'unlock_user', 'verify_password',
    ],
    'certyard.acme': [
        'APPROVALS', 'AccountView', 'AcmeProblem', 'AcmeSettings', 'EabKeyCreated', 'EabKeyView',
        'OrderView', 'ProfileView', 'acme_settings', 'add_profile', 'create_eab_key',
        'deactivate_account', 'directory_url', 'install_hooks', 'list_accounts',
        'list_eab_keys', 'list_orders',
        'list_profiles', 'remove_profile', 'revoke_eab_key', 'show_order', 'show_profile',
        'update_acme_settings', 'update_profile',
    ],
    'certyard.acme.challenges': [
        'ACME_IDENTIFIER_OID', 'ACME_TYPES', 'ALPN_PROTOCOL', 'AcmeType', 'CHALLENGE_TYPES',
        'ChallengeFailed', 'ValidationConfig', 'acme_identifier_value', 'dns01_record_name',
        'dns01_txt_value', 'validate',
    ],
    'certyard.agent': ['ApplyResult', 'apply_state'],
    'certyard.alarms': [
        'ALARM_NAMES', 'AlarmView', 'AlertActions', 'RaiseResult', 'SEVERITIES', 'alarm_counts',
        'clear_alarm', 'clear_alarm_by_id', 'clear_alarms_bulk', 'get_alarm', 'get_alert_actions',
        'list_alarms', 'raise_alarm', 'raise_alarms_bulk', 'update_alert_actions',
        'validate_emails',
    ],
    'certyard.api': [],
    'certyard.api.v1': ['router'],
    'certyard.audit': ['ensure_keyed_chain', 'record_event', 'record_events', 'serialise_appends'],
    'certyard.backup': [
        'BackupInfo', 'SecurityPasswordStatus', 'check_security_password', 'create_backup',
        'read_backup_info', 'restore_backup', 'security_password_meets_fips',
        'security_password_status', 'set_security_password',
    ],
    'certyard.bulk': [
        'ExportResult', 'ImportPreview', 'SCOPES', 'SftpError', 'SftpNotConfigured',
        'SftpSettingsView', 'build_export', 'configure_sftp', 'export_certificates',
        'import_trust_certificates', 'list_exports', 'preview_import', 'scan_host_key',
        'show_sftp',
    ],
    'certyard.ca': [
        'CA_KEY_SIZES', 'CaCertificateView', 'CaInfo', 'CaKeyView', 'CaOverview', 'CaSettings',
        'Download', 'IssuedNow', 'IssuedView', 'ListenerSettings', 'PROFILES', 'Profile',
        'REASONS', 'RequestView', 'RevocationView', 'TokenRef', 'ca_key_size_help',
        'ca_overview', 'ca_settings', 'check_token_keys',
        'configure_ca', 'current_crl', 'current_delta_crl', 'deny_request', 'describe_ca_keys',
        'distribution',
        'embedded_urls', 'export_ca', 'generate_crl', 'import_ca', 'init_ca',
        'issue_certificate_for_csr', 'issue_certificates_for_csrs', 'issue_request',
        'issued_with_chain', 'list_issued', 'list_requests', 'listener_settings', 'ocsp_cached',
        'ocsp_respond', 'presign_responses', 'refresh_crls', 'release_hold', 'revoke_certificate',
        'show_issued', 'show_request', 'sign_pending', 'sign_pending_entry', 'submit_and_issue',
        'submit_and_issue_async', 'submit_request', 'token_rule_warning', 'update_listeners',
        'url_warnings', 'usable_profiles',
    ],
    'certyard.ca.signing': [
        'KeyLocation', 'Pkcs11Signer', 'SealedFileSigner', 'Signer', 'TokenRef', 'find_token_key',
        'generate_token_key', 'hash_for', 'is_token_row', 'location_of', 'open_signer',
        'seal_token_ref', 'sign_certificate', 'sign_crl', 'sign_ocsp_response', 'signing_hash',
        'token_ref',
    ],
    'certyard.cli': [],
    'certyard.cli.commands': [],
    'certyard.cluster': [
        'AgentStatusView', 'ConnectionView', 'DirectionCheck', 'EnrollResult', 'EnrollToken',
        'EnrolledAgentView', 'InitResult', 'NodeView', 'TrustListInfo', 'TrustListRejected',
        'VerifiedList', 'accept_list', 'add_connection', 'add_node', 'check_connection',
        'create_enroll_token', 'desired_state', 'enroll_agent', 'fix_connection', 'init_cluster',
        'list_agent_status', 'list_connections', 'list_enrolled_agents', 'list_nodes',
        'parse_list', 'publish_trust_list', 'remove_connection', 'remove_node', 'report_status',
        'revoke_agents', 'rollover_signer', 'set_open_enrollment', 'sync_state',
        'trust_lists_after',
    ],
    'certyard.db': [
        'Base', 'SchemaMismatch', 'create_db_engine', 'migrate', 'needs_migration', 'snapshot',
        'utcnow',
    ],
    'certyard.db.models': ['Node', 'PrivateKey', 'Purpose', 'Setting', 'StoreEntry'],
    'certyard.hostutil': [
        'HostCertificate', 'HostDir', 'LocalResult', 'atomic_write', 'check_shred_passes',
        'shred_file',
    ],
    'certyard.http': [],
    'certyard.ipsec': [
        'IpsecPolicySpec', 'IpsecPolicyView', 'SwanctlExport', 'add_policy', 'choices',
        'delete_policies', 'export_swanctl', 'get_policy', 'list_policies', 'set_enabled',
        'update_policy',
    ],
    'certyard.jobs': [
        'Job', 'find_job', 'lease_state', 'run_due_jobs', 'run_job_once', 'run_scheduler',
    ],
    'certyard.monitor': [
        'CheckReport', 'Dashboard', 'METRICS_CONTENT_TYPE', 'MonitorSettings', 'RevocationSettings',
        'RevocationState', 'SERVED_PURPOSES', 'ScanReport', 'ServedCertificate', 'SmtpSettings',
        'check_served_certificates', 'dashboard_summary', 'deliver_outbox', 'get_monitor_settings',
        'get_revocation_settings', 'get_smtp_settings', 'install_hooks', 'list_outbox',
        'list_revocation_statuses', 'render_metrics', 'revocation_states', 'revocation_status_of',
        'run_revocation_checks', 'scan_expiry', 'send_test_mail', 'served_certificate_change',
        'served_certificates', 'served_change_for_request', 'settings_warnings',
        'update_monitor_settings', 'update_revocation_settings', 'update_smtp_settings',
    ],
    'certyard.ops': [],
    'certyard.policy': [
        'CIPHER_INTERFACES', 'HTTPS_OPTIONS', 'HTTPS_PRIORITY', 'PolicyChange', 'SRTP_PRESETS',
        'SSL_VERSIONS', 'TLS_DEFAULTS', 'TLS_PRESETS', 'TLS_VERSIONS', 'apply_tls_preset',
        'build_server_ssl_context', 'cipher_report', 'disable_enhanced', 'disable_fips',
        'effective_tls_string', 'enable_enhanced', 'enable_fips', 'enhanced_status', 'fips_status',
        'get_srtp_preset', 'get_tls_policy', 'load_tls', 'noncompliant_entries',
        'openssl_fips_status', 'resolve_tls_ciphers', 'set_cipher_string',
        'set_https_cipher_option', 'set_min_version', 'set_srtp_preset', 'tls_policy_stamp',
        'validate_ssh_string',
    ],
    'certyard.probe': [
        'FLAGS', 'ProbeReport', 'TargetView', 'VerifyResult', 'add_target', 'check_endpoint',
        'check_endpoints', 'latest_results', 'list_targets', 'probe_endpoint', 'remove_target',
        'run_probes', 'trust_anchors', 'verify_chain', 'verify_files',
    ],
    'certyard.sealing': ['MasterKey', 'load_or_create_master_key'],
    'certyard.server': ['create_app', 'create_http_app'],
    'certyard.setup': ['FirstRun', 'bootstrap'],
    'certyard.store': [
        'DEFAULT_PURPOSES', 'ENTRY_TYPES', 'EntryView', 'GeneratedResult', 'Page', 'PurposeSpec',
        'UploadResult', 'add_purpose', 'check_key_choice', 'delete_entry', 'download_csr',
        'download_entry', 'entry_view', 'find_entries', 'fips_changed_at', 'fips_enabled',
        'generate_csr', 'generate_self_signed', 'get_purpose', 'install_self_signed',
        'list_purposes', 'open_private_key', 'purpose_from_trust_store', 'put_entry',
        'release_keys', 'resolve_node', 'seal_private_key', 'set_fips_mode', 'show_entry',
        'upload_identity_certificate', 'upload_trust_certificates',
    ],
    'certyard.syslog': [
        'DeliveryResult', 'SyslogSettings', 'check_host', 'check_port', 'configure_syslog',
        'deliver_backlog', 'format_rfc5424', 'load_syslog_settings', 'set_protocol',
        'stored_protocol', 'syslog_status', 'use_tcp',
    ],
    'certyard.web': ['STATIC_DIR', 'router'],
    'certyard.x509': [
        'CertificateFacts', 'SubjectFields', 'build_csr', 'build_path', 'build_self_signed',
        'certificate_details', 'certificate_facts', 'check_common_name', 'check_dns_name',
        'check_no_wildcard', 'check_size', 'csr_details', 'csr_facts', 'fingerprint',
        'generate_private_key', 'hash_algorithm', 'key_description', 'load_certificates',
        'load_csr', 'load_private_key', 'parse_san', 'private_key_der', 'public_sha256',
        'random_serial', 'san_strings',
    ],
}


def _packages() -> list[str]:
    names = ["certyard"]
    for info in pkgutil.walk_packages(certyard.__path__, "certyard."):
        if info.ispkg and ".migrations" not in info.name:
            names.append(info.name)
    return sorted(names)


def test_every_package_is_pinned() -> None:
    assert _packages() == sorted(PUBLIC), "a package was added or removed: pin its __all__"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_all_is_pinned_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert sorted(exported) == PUBLIC[name]
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
