--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: account_allowlist; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_allowlist (
    id integer NOT NULL,
    network character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: account_allowlist_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.account_allowlist_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: account_allowlist_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.account_allowlist_id_seq OWNED BY public.account_allowlist.id;


--
-- Name: account_api_token; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_api_token (
    id integer NOT NULL,
    token_hash character varying(64) NOT NULL,
    prefix character varying(16) NOT NULL,
    user_id integer NOT NULL,
    name character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone
);


--
-- Name: account_api_token_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.account_api_token_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: account_api_token_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.account_api_token_id_seq OWNED BY public.account_api_token.id;


--
-- Name: account_password_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_password_history (
    id integer NOT NULL,
    user_id integer NOT NULL,
    password_hash character varying(300) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: account_password_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.account_password_history_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: account_password_history_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.account_password_history_id_seq OWNED BY public.account_password_history.id;


--
-- Name: account_role; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_role (
    name character varying(64) NOT NULL,
    privileges json NOT NULL,
    description character varying(300) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: account_session; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_session (
    id integer NOT NULL,
    token_hash character varying(64) NOT NULL,
    user_id integer NOT NULL,
    csrf_token character varying(64) NOT NULL,
    source character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL
);


--
-- Name: account_session_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.account_session_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: account_session_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.account_session_id_seq OWNED BY public.account_session.id;


--
-- Name: account_user; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_user (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    role character varying(64) NOT NULL,
    password_hash character varying(300) NOT NULL,
    is_default_admin boolean NOT NULL,
    must_change_password boolean NOT NULL,
    disabled boolean NOT NULL,
    failed_count integer NOT NULL,
    first_failed_at timestamp with time zone,
    locked_at timestamp with time zone,
    password_changed_at timestamp with time zone NOT NULL,
    last_sign_in_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: account_user_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.account_user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: account_user_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.account_user_id_seq OWNED BY public.account_user.id;


--
-- Name: agent_credential; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_credential (
    id integer NOT NULL,
    node_id integer NOT NULL,
    fingerprint_sha256 character varying(64) NOT NULL,
    serial character varying(64) NOT NULL,
    not_after timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: agent_credential_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.agent_credential_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: agent_credential_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.agent_credential_id_seq OWNED BY public.agent_credential.id;


--
-- Name: agent_enroll_token; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_enroll_token (
    id integer NOT NULL,
    node_id integer NOT NULL,
    token_sha256 character varying(64) NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: agent_enroll_token_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.agent_enroll_token_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: agent_enroll_token_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.agent_enroll_token_id_seq OWNED BY public.agent_enroll_token.id;


--
-- Name: agent_status; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_status (
    node_id integer NOT NULL,
    version character varying(64) NOT NULL,
    ok boolean NOT NULL,
    error text NOT NULL,
    files json NOT NULL,
    reported_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL
);


--
-- Name: alarm; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alarm (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    object character varying(300) NOT NULL,
    severity character varying(16) NOT NULL,
    message text NOT NULL,
    first_seen timestamp with time zone NOT NULL,
    last_seen timestamp with time zone NOT NULL,
    count integer NOT NULL,
    cleared boolean NOT NULL,
    cleared_at timestamp with time zone,
    last_notified_at timestamp with time zone
);


--
-- Name: alarm_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.alarm_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: alarm_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.alarm_id_seq OWNED BY public.alarm.id;


--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: audit_event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_event (
    id integer NOT NULL,
    at timestamp with time zone NOT NULL,
    actor character varying(128) NOT NULL,
    source character varying(128) NOT NULL,
    action character varying(64) NOT NULL,
    target text NOT NULL,
    outcome character varying(16) NOT NULL,
    details json NOT NULL,
    prev_hash character varying(64) NOT NULL,
    hash character varying(64) NOT NULL
);


--
-- Name: audit_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_event_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_event_id_seq OWNED BY public.audit_event.id;


--
-- Name: bulk_operation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bulk_operation (
    id integer NOT NULL,
    kind character varying(16) NOT NULL,
    scope character varying(16) NOT NULL,
    remote_path character varying(1024) NOT NULL,
    files integer NOT NULL,
    summary json NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: bulk_operation_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.bulk_operation_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: bulk_operation_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.bulk_operation_id_seq OWNED BY public.bulk_operation.id;


--
-- Name: bulk_sftp_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bulk_sftp_settings (
    id integer NOT NULL,
    host character varying(253) NOT NULL,
    port integer NOT NULL,
    user_id character varying(128) NOT NULL,
    password_sealed bytea,
    key_sealed bytea,
    directory character varying(1024) NOT NULL,
    known_hosts text NOT NULL,
    host_key_sha256 character varying(128) NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: bulk_sftp_settings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.bulk_sftp_settings_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: bulk_sftp_settings_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.bulk_sftp_settings_id_seq OWNED BY public.bulk_sftp_settings.id;


--
-- Name: ca_certificate; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ca_certificate (
    id integer NOT NULL,
    role character varying(16) NOT NULL,
    active boolean NOT NULL,
    parent_id integer,
    subject text NOT NULL,
    serial character varying(64) NOT NULL,
    fingerprint_sha256 character varying(64) NOT NULL,
    not_after timestamp with time zone NOT NULL,
    der bytea NOT NULL,
    private_key_id integer,
    crl_number integer NOT NULL,
    crl_der bytea,
    crl_this_update timestamp with time zone,
    crl_next_update timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: ca_certificate_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ca_certificate_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ca_certificate_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ca_certificate_id_seq OWNED BY public.ca_certificate.id;


--
-- Name: ca_issued; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ca_issued (
    id integer NOT NULL,
    serial character varying(64) NOT NULL,
    issuer_id integer NOT NULL,
    request_id integer,
    profile character varying(32) NOT NULL,
    subject text NOT NULL,
    sans json NOT NULL,
    not_before timestamp with time zone NOT NULL,
    not_after timestamp with time zone NOT NULL,
    der bytea NOT NULL,
    status character varying(16) NOT NULL,
    revoked_at timestamp with time zone,
    revocation_reason character varying(32),
    ocsp_der bytea,
    ocsp_next_update timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: ca_issued_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ca_issued_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ca_issued_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ca_issued_id_seq OWNED BY public.ca_issued.id;


--
-- Name: ca_request; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ca_request (
    id integer NOT NULL,
    state character varying(16) NOT NULL,
    pending_key character varying(64),
    csr_der bytea NOT NULL,
    subject text NOT NULL,
    sans json NOT NULL,
    key_type character varying(8) NOT NULL,
    key_size integer NOT NULL,
    public_sha256 character varying(64) NOT NULL,
    profile character varying(32) NOT NULL,
    requester character varying(200) NOT NULL,
    purpose character varying(64),
    node_id integer,
    created_at timestamp with time zone NOT NULL,
    decided_at timestamp with time zone,
    decided_by character varying(200),
    reason text,
    serial character varying(64)
);


--
-- Name: ca_request_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ca_request_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ca_request_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ca_request_id_seq OWNED BY public.ca_request.id;


--
-- Name: expiry_notice; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.expiry_notice (
    id integer NOT NULL,
    cert_key character varying(120) NOT NULL,
    period integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: expiry_notice_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.expiry_notice_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: expiry_notice_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.expiry_notice_id_seq OWNED BY public.expiry_notice.id;


--
-- Name: ipsec_policy; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ipsec_policy (
    id integer NOT NULL,
    group_name character varying(64) NOT NULL,
    name character varying(64) NOT NULL,
    auth_method character varying(16) NOT NULL,
    psk_sealed bytea,
    peer_type character varying(16) NOT NULL,
    destination_address character varying(253) NOT NULL,
    destination_port integer,
    source_address character varying(253) NOT NULL,
    source_port integer,
    mode character varying(16) NOT NULL,
    remote_port integer NOT NULL,
    protocol character varying(8) NOT NULL,
    encryption_algorithm character varying(16) NOT NULL,
    hash_algorithm character varying(16) NOT NULL,
    esp_algorithm character varying(16) NOT NULL,
    phase1_lifetime integer NOT NULL,
    phase1_dh integer NOT NULL,
    phase2_lifetime integer NOT NULL,
    phase2_dh integer NOT NULL,
    enabled boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: ipsec_policy_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ipsec_policy_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ipsec_policy_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ipsec_policy_id_seq OWNED BY public.ipsec_policy.id;


--
-- Name: job_lease; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_lease (
    name character varying(64) NOT NULL,
    holder character varying(128) NOT NULL,
    lease_until timestamp with time zone NOT NULL,
    next_run_at timestamp with time zone NOT NULL,
    last_started_at timestamp with time zone,
    last_finished_at timestamp with time zone,
    last_error text NOT NULL
);


--
-- Name: node; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.node (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    fqdn character varying(253) NOT NULL,
    ip character varying(45),
    is_publisher boolean NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: node_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.node_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: node_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.node_id_seq OWNED BY public.node.id;


--
-- Name: outbox_message; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox_message (
    id integer NOT NULL,
    kind character varying(32) NOT NULL,
    recipients json NOT NULL,
    subject character varying(300) NOT NULL,
    body text NOT NULL,
    status character varying(16) NOT NULL,
    attempts integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    last_error text NOT NULL
);


--
-- Name: outbox_message_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_message_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: outbox_message_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outbox_message_id_seq OWNED BY public.outbox_message.id;


--
-- Name: private_key; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.private_key (
    id integer NOT NULL,
    key_type character varying(8) NOT NULL,
    key_size integer NOT NULL,
    public_sha256 character varying(64) NOT NULL,
    sealed bytea NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: private_key_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.private_key_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: private_key_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.private_key_id_seq OWNED BY public.private_key.id;


--
-- Name: probe_result; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.probe_result (
    id integer NOT NULL,
    target_id integer NOT NULL,
    checked_at timestamp with time zone NOT NULL,
    ok boolean NOT NULL,
    flags json NOT NULL,
    version character varying(8),
    cipher character varying(100),
    report json NOT NULL,
    error text
);


--
-- Name: probe_result_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.probe_result_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: probe_result_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.probe_result_id_seq OWNED BY public.probe_result.id;


--
-- Name: probe_target; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.probe_target (
    id integer NOT NULL,
    name character varying(200) NOT NULL,
    node_id integer,
    host character varying(253) NOT NULL,
    port integer NOT NULL,
    sni character varying(253),
    starttls character varying(8),
    trust_store character varying(80) NOT NULL,
    enabled boolean NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: probe_target_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.probe_target_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: probe_target_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.probe_target_id_seq OWNED BY public.probe_target.id;


--
-- Name: purpose; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.purpose (
    name character varying(64) NOT NULL,
    key_type character varying(8) NOT NULL,
    key_lengths json NOT NULL,
    default_key_length integer NOT NULL,
    hashes json NOT NULL,
    default_hash character varying(16) NOT NULL,
    multi_server boolean NOT NULL,
    services json NOT NULL,
    description text NOT NULL
);


--
-- Name: revocation_status; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revocation_status (
    cert_key character varying(120) NOT NULL,
    status character varying(16) NOT NULL,
    source character varying(16) NOT NULL,
    url text NOT NULL,
    detail text NOT NULL,
    checked_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    extra json NOT NULL
);


--
-- Name: secured_connection; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.secured_connection (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    client_node_id integer NOT NULL,
    client_purpose character varying(64) NOT NULL,
    server_node_id integer NOT NULL,
    server_purpose character varying(64) NOT NULL,
    mode character varying(8) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: secured_connection_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.secured_connection_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: secured_connection_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.secured_connection_id_seq OWNED BY public.secured_connection.id;


--
-- Name: setting; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.setting (
    name character varying(64) NOT NULL,
    value json NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: store_entry; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.store_entry (
    id integer NOT NULL,
    slot character varying(200) NOT NULL,
    type character varying(16) NOT NULL,
    purpose character varying(64) NOT NULL,
    node_id integer,
    source_node_id integer,
    distribution character varying(16) NOT NULL,
    common_name character varying(256) NOT NULL,
    subject text NOT NULL,
    issuer text,
    serial character varying(64),
    not_before timestamp with time zone,
    not_after timestamp with time zone,
    key_type character varying(8) NOT NULL,
    key_size integer NOT NULL,
    signature_hash character varying(16),
    self_signed boolean NOT NULL,
    fingerprint_sha256 character varying(64) NOT NULL,
    public_sha256 character varying(64) NOT NULL,
    sans json NOT NULL,
    description text NOT NULL,
    der bytea NOT NULL,
    private_key_id integer,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: store_entry_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.store_entry_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: store_entry_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.store_entry_id_seq OWNED BY public.store_entry.id;


--
-- Name: trust_list_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.trust_list_version (
    version integer NOT NULL,
    digest_sha256 character varying(64) NOT NULL,
    signer_fingerprint character varying(64) NOT NULL,
    der bytea NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: account_allowlist id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_allowlist ALTER COLUMN id SET DEFAULT nextval('public.account_allowlist_id_seq'::regclass);


--
-- Name: account_api_token id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_api_token ALTER COLUMN id SET DEFAULT nextval('public.account_api_token_id_seq'::regclass);


--
-- Name: account_password_history id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_password_history ALTER COLUMN id SET DEFAULT nextval('public.account_password_history_id_seq'::regclass);


--
-- Name: account_session id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_session ALTER COLUMN id SET DEFAULT nextval('public.account_session_id_seq'::regclass);


--
-- Name: account_user id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_user ALTER COLUMN id SET DEFAULT nextval('public.account_user_id_seq'::regclass);


--
-- Name: agent_credential id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_credential ALTER COLUMN id SET DEFAULT nextval('public.agent_credential_id_seq'::regclass);


--
-- Name: agent_enroll_token id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_enroll_token ALTER COLUMN id SET DEFAULT nextval('public.agent_enroll_token_id_seq'::regclass);


--
-- Name: alarm id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alarm ALTER COLUMN id SET DEFAULT nextval('public.alarm_id_seq'::regclass);


--
-- Name: audit_event id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event ALTER COLUMN id SET DEFAULT nextval('public.audit_event_id_seq'::regclass);


--
-- Name: bulk_operation id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bulk_operation ALTER COLUMN id SET DEFAULT nextval('public.bulk_operation_id_seq'::regclass);


--
-- Name: bulk_sftp_settings id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bulk_sftp_settings ALTER COLUMN id SET DEFAULT nextval('public.bulk_sftp_settings_id_seq'::regclass);


--
-- Name: ca_certificate id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_certificate ALTER COLUMN id SET DEFAULT nextval('public.ca_certificate_id_seq'::regclass);


--
-- Name: ca_issued id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_issued ALTER COLUMN id SET DEFAULT nextval('public.ca_issued_id_seq'::regclass);


--
-- Name: ca_request id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_request ALTER COLUMN id SET DEFAULT nextval('public.ca_request_id_seq'::regclass);


--
-- Name: expiry_notice id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.expiry_notice ALTER COLUMN id SET DEFAULT nextval('public.expiry_notice_id_seq'::regclass);


--
-- Name: ipsec_policy id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ipsec_policy ALTER COLUMN id SET DEFAULT nextval('public.ipsec_policy_id_seq'::regclass);


--
-- Name: node id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.node ALTER COLUMN id SET DEFAULT nextval('public.node_id_seq'::regclass);


--
-- Name: outbox_message id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_message ALTER COLUMN id SET DEFAULT nextval('public.outbox_message_id_seq'::regclass);


--
-- Name: private_key id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.private_key ALTER COLUMN id SET DEFAULT nextval('public.private_key_id_seq'::regclass);


--
-- Name: probe_result id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.probe_result ALTER COLUMN id SET DEFAULT nextval('public.probe_result_id_seq'::regclass);


--
-- Name: probe_target id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.probe_target ALTER COLUMN id SET DEFAULT nextval('public.probe_target_id_seq'::regclass);


--
-- Name: secured_connection id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.secured_connection ALTER COLUMN id SET DEFAULT nextval('public.secured_connection_id_seq'::regclass);


--
-- Name: store_entry id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_entry ALTER COLUMN id SET DEFAULT nextval('public.store_entry_id_seq'::regclass);


--
-- Data for Name: account_allowlist; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: account_api_token; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: account_password_history; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.account_password_history VALUES (1, 1, '$argon2id$v=19$m=65536,t=3,p=4$J2M9FL4kHTYeYPbZ3TUK7Q$b1Rx+417bAGItCO75qf1fvTla9kwO2C80dzVM3lgG4U', '2026-11-30 15:23:18+00');


--
-- Data for Name: account_role; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: account_session; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: account_user; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.account_user VALUES (1, 'fixture-operator', 'Read-only', '$argon2id$v=19$m=65536,t=3,p=4$J2M9FL4kHTYeYPbZ3TUK7Q$b1Rx+417bAGItCO75qf1fvTla9kwO2C80dzVM3lgG4U', false, true, false, 0, NULL, NULL, '2026-11-30 15:23:18+00', NULL, '2026-11-30 15:23:18+00');


--
-- Data for Name: agent_credential; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: agent_enroll_token; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: agent_status; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: alarm; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alembic_version VALUES ('policy0001');
INSERT INTO public.alembic_version VALUES ('monitor0002');
INSERT INTO public.alembic_version VALUES ('ipsec0001');
INSERT INTO public.alembic_version VALUES ('ca0001');
INSERT INTO public.alembic_version VALUES ('bulk0001');
INSERT INTO public.alembic_version VALUES ('agent0001');
INSERT INTO public.alembic_version VALUES ('accounts0001');


--
-- Data for Name: audit_event; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_event VALUES (1, '2026-11-30 15:18:58+00', 'cli:cli', 'local', 'cluster.init', 'localhost.localdomain', 'success', '{"purposes": ["tomcat", "tomcat-ECDSA", "ipsec"]}', '0000000000000000000000000000000000000000000000000000000000000000', '1a754f4fde226c261e77ba56c2fca723f097c3c4bc141134211d0a5898651a36');
INSERT INTO public.audit_event VALUES (2, '2026-11-30 15:19:08+00', 'cli:cli', 'local', 'ca.init', 'CN=Fixture Root CA,O=certyard', 'success', '{"key": "EC-384", "intermediate": true, "root": "3a2404aaccbb5754bf5b7f0aa4fedf40f57f765834134e9afa020f8fe9dbadce", "trust_stores": ["ipsec-trust", "tomcat-trust", "tomcat-ECDSA-trust"]}', '1a754f4fde226c261e77ba56c2fca723f097c3c4bc141134211d0a5898651a36', '25b0a93b2a9e27197fa33959f2899549d43d1c20c38a4d8d72e7be242d53e450');
INSERT INTO public.audit_event VALUES (3, '2026-11-30 15:19:19+00', 'cli:cli', 'local', 'csr.generate', 'tomcat on localhost', 'success', '{"distribution": "single", "cn": "localhost.localdomain", "sans": ["DNS:localhost.localdomain"], "key_length": 2048, "hash": "SHA256"}', '25b0a93b2a9e27197fa33959f2899549d43d1c20c38a4d8d72e7be242d53e450', 'e69c345234501ca8fb79e360be4245f2f22b35b13dbbe18209a3125694bfb0ee');
INSERT INTO public.audit_event VALUES (4, '2026-11-30 15:19:32+00', 'cli:cli', 'local', 'ca.request.submit', 'request 1', 'success', '{"subject": "CN=localhost.localdomain", "sans": ["DNS:localhost.localdomain"], "profile": "server-client"}', 'e69c345234501ca8fb79e360be4245f2f22b35b13dbbe18209a3125694bfb0ee', 'ee006fd080d63744b8a26de53f3dbf7141235fd6e7c94457f940557eb44792f2');
INSERT INTO public.audit_event VALUES (5, '2026-11-30 15:19:32+00', 'cli:cli', 'local', 'ca.request.issue', 'request 1', 'success', '{"serial": "4109e667191e3fcce03742c5bde17f31", "profile": "server-client", "subject": "CN=localhost.localdomain"}', 'ee006fd080d63744b8a26de53f3dbf7141235fd6e7c94457f940557eb44792f2', '8629978896b2608a79eca94ed1fcb07c2f6e4659601af7c343220bf003e87186');
INSERT INTO public.audit_event VALUES (6, '2026-11-30 15:19:32+00', 'cli:cli', 'local', 'certificate.upload', 'tomcat on localhost', 'success', '{"fingerprint": "1bb9589a69fc215ef5752cb7ac9d43dcbf3b5d319d38f80807f4782c080e0be5", "distribution": "single", "nodes": ["localhost"]}', '8629978896b2608a79eca94ed1fcb07c2f6e4659601af7c343220bf003e87186', '1af2b213c801c1d93e6e7605cf1b6e0e2be491907bd27e52eaac6367844ebc71');
INSERT INTO public.audit_event VALUES (7, '2026-11-30 15:19:46+00', 'cli:cli', 'local', 'csr.generate', 'ipsec on localhost', 'success', '{"distribution": "single", "cn": "localhost.localdomain", "sans": ["DNS:localhost.localdomain"], "key_length": 2048, "hash": "SHA256"}', '1af2b213c801c1d93e6e7605cf1b6e0e2be491907bd27e52eaac6367844ebc71', 'cef831bf34414e7cc29a526a1b7fed7e3b94c1aab2db6b7ccba78f0b38601272');
INSERT INTO public.audit_event VALUES (8, '2026-11-30 15:20:04+00', 'cli:cli', 'local', 'ca.request.submit', 'request 2', 'success', '{"subject": "CN=localhost.localdomain", "sans": ["DNS:localhost.localdomain"], "profile": "server-client"}', 'cef831bf34414e7cc29a526a1b7fed7e3b94c1aab2db6b7ccba78f0b38601272', '4d987117b0b600ea1a3863f05b783f20c6d7305833f175e713c87782fe962f30');
INSERT INTO public.audit_event VALUES (9, '2026-11-30 15:20:28+00', 'cli:cli', 'local', 'ca.request.submit', 'request 3', 'success', '{"subject": "CN=svc-a.fixture.test", "sans": ["DNS:svc-a.fixture.test"], "profile": "server-client"}', '4d987117b0b600ea1a3863f05b783f20c6d7305833f175e713c87782fe962f30', '2d499d4271565080f87e51e67f816e1615e47f62cab1b9648273a962027092eb');
INSERT INTO public.audit_event VALUES (10, '2026-11-30 15:20:55+00', 'cli:cli', 'local', 'ca.request.issue', 'request 3', 'success', '{"serial": "71d1ce3ba8632c7a3faacc0da3e31481", "profile": "server-client", "subject": "CN=svc-a.fixture.test"}', '2d499d4271565080f87e51e67f816e1615e47f62cab1b9648273a962027092eb', 'bce1f64c4b170054797f0b3a7eb71e900088106ff9b615de098b0b3e7a4c4468');
INSERT INTO public.audit_event VALUES (11, '2026-11-30 15:21:22+00', 'cli:cli', 'local', 'ca.request.submit', 'request 4', 'success', '{"subject": "CN=svc-b.fixture.test", "sans": ["DNS:svc-b.fixture.test"], "profile": "server-client"}', 'bce1f64c4b170054797f0b3a7eb71e900088106ff9b615de098b0b3e7a4c4468', '400d8b0ef57acc0adb45fe68dfb22ea7ed9e4e606a06a7b07834918213ebe0ad');
INSERT INTO public.audit_event VALUES (12, '2026-11-30 15:21:48+00', 'cli:cli', 'local', 'ca.request.deny', 'request 4', 'success', '{"reason": "fixture: denied on purpose"}', '400d8b0ef57acc0adb45fe68dfb22ea7ed9e4e606a06a7b07834918213ebe0ad', '700a89bdf588af469ce67b142a6a80dae5fa5f36ba423a9a1d0f43a454b65ff7');
INSERT INTO public.audit_event VALUES (13, '2026-11-30 15:22:16+00', 'cli:cli', 'local', 'ca.request.submit', 'request 5', 'success', '{"subject": "CN=svc-c.fixture.test", "sans": ["DNS:svc-c.fixture.test"], "profile": "server-client"}', '700a89bdf588af469ce67b142a6a80dae5fa5f36ba423a9a1d0f43a454b65ff7', '19b6b9c0e1f0efa65314072549bc39cb37db15cf02731cc5f2faf9cec1931cab');
INSERT INTO public.audit_event VALUES (14, '2026-11-30 15:22:44+00', 'cli:cli', 'local', 'tls.min_version.set', 'tls', 'success', '{"old": "1.2", "new": "1.2"}', '19b6b9c0e1f0efa65314072549bc39cb37db15cf02731cc5f2faf9cec1931cab', '4f676c2bb4668ab2c4fa2f89766b8196975a83bd78a5f406576d82b52c280f69');
INSERT INTO public.audit_event VALUES (15, '2026-11-30 15:23:04+00', 'cli:cli', 'local', 'smtp.update', 'smtp', 'success', '{"host": "mail.fixture.test", "port": 587, "security": "starttls", "sender": "certyard@fixture.test"}', '4f676c2bb4668ab2c4fa2f89766b8196975a83bd78a5f406576d82b52c280f69', '1b0f82f9d3344c1e0b990f431c6f29711dc81f80083375d5034ec6bd82f7330e');
INSERT INTO public.audit_event VALUES (16, '2026-11-30 15:23:19+00', 'cli:cli', 'local', 'accounts.user.create', 'fixture-operator', 'success', '{"role": "Read-only"}', '1b0f82f9d3344c1e0b990f431c6f29711dc81f80083375d5034ec6bd82f7330e', '503fea65f320d730448e34e5e287931a843f6b49b85bcc68be0bcb57e485c48e');


--
-- Data for Name: bulk_operation; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: bulk_sftp_settings; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: ca_certificate; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ca_certificate VALUES (1, 'root', true, NULL, 'CN=Fixture Root CA,O=certyard', '448be072333ce625ef1e66d74a9de7dc', '3a2404aaccbb5754bf5b7f0aa4fedf40f57f765834134e9afa020f8fe9dbadce', '2046-11-25 15:19:08+00', '\x308201d73082015da0030201020210448be072333ce625ef1e66d74a9de7dc300a06082a8648ce3d040303302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f74204341301e170d3236313133303135313430385a170d3436313132353135313930385a302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f742043413076301006072a8648ce3d020106052b8104002203620004f00c90ce25063a8a4bcdff933866a1a6cf19eaa671e8e41a0f2226e7996571a8ac48b73210db83ca3f079c047e63e4779d20d9f004d49d35cedb6a061b8581fdea8c1ee273b91be6816f0dc0fd3d22a466197fd7f368953298aaacdb392eb3a5a3423040300f0603551d130101ff040530030101ff300e0603551d0f0101ff040403020186301d0603551d0e04160414b8a1d71ad83b756e9bd479cf4be19128a0c30916300a06082a8648ce3d04030303680030650230141f93f75aa5a710f0cd9466018fd080d6e27bb0b382d8fa615dc0b839d9d8d493b9140b0cd4a1d6793da727e14e003302310083ea78e0b89edbc6a4df0f114cdbc4fc3630fee47736b67e7db2e610bbd376686889d8d43cf848d87f1636d3e711a249', 4, 1, '\x3082010730818d020101300a06082a8648ce3d040303302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f74204341170d3236313133303135313930385a170d3236313230373135313930385aa02f302d300a0603551d140403020101301f0603551d23041830168014b8a1d71ad83b756e9bd479cf4be19128a0c30916300a06082a8648ce3d0403030369003066023100bfc86809c5675e39e125c3e8dc17ec7d296965a12b8611134062d2318c2d741b2046a4b01e6ac63d702bb9f017491219023100c636d97391a3c77521a0aaf3133e07896c4a23d728f1b1a6e9b0cde50dfd04e6930a135358b74c4396caf7b4c7a03471', '2026-11-30 15:19:08+00', '2026-12-07 15:19:08+00', '2026-11-30 15:19:08+00');
INSERT INTO public.ca_certificate VALUES (2, 'issuing', true, 1, 'CN=Fixture Issuing CA,O=certyard', '711877e7681b397ef297b8d0711523dc', 'ff02bf7b286a7c7f2145fdab21893b23ba1756201e1d076d8d75c971d3d45d99', '2036-11-27 15:19:08+00', '\x308202ba30820241a0030201020210711877e7681b397ef297b8d0711523dc300a06082a8648ce3d040303302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f74204341301e170d3236313133303135313430385a170d3336313132373135313930385a30303111300f060355040a0c086365727479617264311b301906035504030c12466978747572652049737375696e672043413076301006072a8648ce3d020106052b8104002203620004037b43dcbea369a1711dbfacd38674955b982ea82cbcdc84664fbd997df9c4101ed5b3b4726c9894859e9e5ee3beed501be150b3e03dccc31fb10ac4a702e2d492f712b7323424e25a09382e57dd3ed0c572f92829de4d37f786197d8c76f4cfa38201213082011d30120603551d130101ff040830060101ff020100300e0603551d0f0101ff040403020186301d0603551d0e04160414431521040deee4c2ff014594085e318e7885ee5f301f0603551d23041830168014b8a1d71ad83b756e9bd479cf4be19128a0c30916303b0603551d1f043430323030a02ea02c862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f312e63726c307a06082b06010505070101046e306c303206082b060105050730018626687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f6f637370303606082b06010505073002862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f312e637274300a06082a8648ce3d04030303670030640230397ac8e5096874b971d7299366430bb7fbcd685f7cd94b5b3e2f25b7b44deb50dea0015ad04f8c96f313452b8e6c603402303ddc79f340e22080df463ecee1ec29e7295aba98eaed511a4d7b7df4d0b71828c8c6528de8924492f0d65e39a161c097', 5, 1, '\x30820109308190020101300a06082a8648ce3d04030330303111300f060355040a0c086365727479617264311b301906035504030c12466978747572652049737375696e67204341170d3236313133303135313930385a170d3236313230373135313930385aa02f302d300a0603551d140403020101301f0603551d23041830168014431521040deee4c2ff014594085e318e7885ee5f300a06082a8648ce3d040303036800306502304a94c489eb3e6bfac5e26e65f2c5bba687755fb5a322521762d4c24f346bdf1a2db2793c1b7570c954b4922141f4c5bc023100d6e629ed4308f0465af0326bb7ca377399ed98b178f987e97a4212f10fa4566f981f2addb1c8781ff3a11c3e225c5fe9', '2026-11-30 15:19:08+00', '2026-12-07 15:19:08+00', '2026-11-30 15:19:08+00');


--
-- Data for Name: ca_issued; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ca_issued VALUES (1, '4109e667191e3fcce03742c5bde17f31', 2, 1, 'server-client', 'CN=localhost.localdomain', '["DNS:localhost.localdomain"]', '2026-11-30 15:14:32+00', '2028-01-01 15:19:32+00', '\x308203973082031da00302010202104109e667191e3fcce03742c5bde17f31300a06082a8648ce3d04030330303111300f060355040a0c086365727479617264311b301906035504030c12466978747572652049737375696e67204341301e170d3236313133303135313433325a170d3238303130313135313933325a3020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100c9075734f6e739394602f2d9ad8c03134f1169fbddb379f1583207f18668930b6d1054322cd02897453b1338fc842840608419f47eeb33aa3cce4c3368c316c206f9e6c2e57996866c30be4302966452236809d3e05e1552f81b1bfe954d1a5b793f6829a6ef38a8db3b00123f70579968fa671715a080426befc90eac952b8dbff07b641e774575b3d5fd97022b2ae8ecee8cde7c761dfaeeb27dd3d6bd37ffc6793f1b06ae225f7b7e51c067b8bbfb744b1c401d2321e208b294761090c6edbb17e154fc3fa9c3f20069f205994b88ab71e529d10054b9df3e2437d503af9e22078531ec42c47b8ac80fde7787b89060616e57d401edb0802e3d519e6123430203010001a382015c30820158300c0603551d130101ff04023000300e0603551d0f0101ff0404030204b0301d0603551d0e0416041407295c235d21875c25bbd300a240b2d74d70782b301f0603551d23041830168014431521040deee4c2ff014594085e318e7885ee5f301d0603551d250416301406082b0601050507030106082b0601050507030230200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e303b0603551d1f043430323030a02ea02c862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f322e63726c307a06082b06010505070101046e306c303206082b060105050730018626687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f6f637370303606082b06010505073002862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f322e637274300a06082a8648ce3d040303036800306502300eaa9251b93019f18d30e0954080822f422a7465e61e5e498b9e534f548fac30cac2045b3403f5370c41c4d8f70d46ec023100e7a2bda601d1bebebbd6c30794500b699a5b8b4a8b258bd1bee31448daa32ca7e2e6260e3ae5663b743188499199cbc5', 'good', NULL, NULL, NULL, NULL, '2026-11-30 15:19:32+00');
INSERT INTO public.ca_issued VALUES (2, '71d1ce3ba8632c7a3faacc0da3e31481', 2, 3, 'server-client', 'CN=svc-a.fixture.test', '["DNS:svc-a.fixture.test"]', '2026-11-30 15:15:54+00', '2028-01-01 15:20:54+00', '\x308202c63082024ca003020102021071d1ce3ba8632c7a3faacc0da3e31481300a06082a8648ce3d04030330303111300f060355040a0c086365727479617264311b301906035504030c12466978747572652049737375696e67204341301e170d3236313133303135313535345a170d3238303130313135323035345a301d311b301906035504030c127376632d612e666978747572652e746573743059301306072a8648ce3d020106082a8648ce3d0301070342000496b23f8e819903f59d37ba5db468fef577f292296b0b130a69a629f5c6b6d9d1e3e9429c57e8c7b363921c25cf60fec0fb4bc402b73982623d2a0460011f57aba382015930820155300c0603551d130101ff04023000300e0603551d0f0101ff040403020388301d0603551d0e041604146efa00bd183ad53958e5ceb9c733f0f19cf6be4d301f0603551d23041830168014431521040deee4c2ff014594085e318e7885ee5f301d0603551d250416301406082b0601050507030106082b06010505070302301d0603551d110416301482127376632d612e666978747572652e74657374303b0603551d1f043430323030a02ea02c862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f322e63726c307a06082b06010505070101046e306c303206082b060105050730018626687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f6f637370303606082b06010505073002862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f322e637274300a06082a8648ce3d04030303680030650231008db111dc897916fad49da30ba6dbefb6dd7efef96aa64d8de7073b75fcdce76a036d108e6172eb474b2ecbcedd044ce4023001b2238f77341b23977726d735f0957c36f7ddf7c8ef1e92ac5c34463658d5b3073e0446d29d00e93a8db3bf738e6281', 'good', NULL, NULL, NULL, NULL, '2026-11-30 15:20:54+00');


--
-- Data for Name: ca_request; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ca_request VALUES (1, 'issued', NULL, '\x308202c7308201af0201003020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100c9075734f6e739394602f2d9ad8c03134f1169fbddb379f1583207f18668930b6d1054322cd02897453b1338fc842840608419f47eeb33aa3cce4c3368c316c206f9e6c2e57996866c30be4302966452236809d3e05e1552f81b1bfe954d1a5b793f6829a6ef38a8db3b00123f70579968fa671715a080426befc90eac952b8dbff07b641e774575b3d5fd97022b2ae8ecee8cde7c761dfaeeb27dd3d6bd37ffc6793f1b06ae225f7b7e51c067b8bbfb744b1c401d2321e208b294761090c6edbb17e154fc3fa9c3f20069f205994b88ab71e529d10054b9df3e2437d503af9e22078531ec42c47b8ac80fde7787b89060616e57d401edb0802e3d519e6123430203010001a062306006092a864886f70d01090e3153305130200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300e0603551d0f0101ff0404030204b0301d0603551d250416301406082b0601050507030106082b06010505070302300d06092a864886f70d01010b050003820101005a54aa24df57f5799eec5dfa72967d904f6a1f5844c5d2a5d569a2288471ae1dd6890c28682dc8978f106aad34eb04464ac490285c9b1d20c3510b2e28c6057dfa21a96438193302f48fd33f0e13d5921d3bffb531ebbd2ddc06de1767344a12c6c2d9b1f5a5fbdc309bee7520e27d686a6627bacb6364715d4cfa1ecdc04e8cc46fc9f8215cd58e67c3c9ef6eed9be653814da378fe2fdf0bd0bc2566b5a66f44f0fe490bfd16907751c6cf1049c14204c3913d0c783255692f38712572d006a03e9dfa79a6d282f65a5e1991ab1877203ff679779855f9d39153d608c0d8ff476b5efd2155154047e234281329d98a07d9f7083d2a5987b1c4a00431eb6ce0', 'CN=localhost.localdomain', '["DNS:localhost.localdomain"]', 'RSA', 2048, '645a239c043528b1cd0083f059398a01d25f661c8256dad8f3e9b005b9e9bbaa', 'server-client', 'cli:cli for tomcat on localhost', 'tomcat', 1, '2026-11-30 15:19:32+00', '2026-11-30 15:19:32+00', 'cli:cli', NULL, '4109e667191e3fcce03742c5bde17f31');
INSERT INTO public.ca_request VALUES (2, 'pending', '600aff785b97124757b9c5a51e66f6212397e13a6e63ac4911fa13ed48d30a50', '\x308202c7308201af0201003020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100cbc553bd60529acdb8ed4a6925099390b6e149cfa42712b38836b7452c28208737f108741fe0d90f89ef8fd6d57658448475ca06ce24752914e4c734f3efc9f3642cd74739a4bb28cbdd82a3d18ed733e0c6c67608614d9a9f9c4c2fd7be847e1cbe6884cf9d3ff6d2f8bd3ae0e958047a221a0a9a219dbf7c7270a9efa0174a4d7d4d87b45cf617f5d6b7cfb08d785ca90548538ec2ee0f34f225feb22f5c05ae5898568c40a79dda9076a13837acb665e0cd1dd5b3e98f3fa7c24bd818f3e5e8890675ccf5b6896d1058a289ee592e311fd8966762fb694e8d42213fb45d2e935f45e22fab00d9edc1892d521bdf98996d8f1eb2fda911d0ed907573a6ec7d0203010001a062306006092a864886f70d01090e3153305130200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300e0603551d0f0101ff0404030204b0301d0603551d250416301406082b0601050507030106082b06010505070302300d06092a864886f70d01010b05000382010100b4460b781ff936f40e73f4de77e0a6a58bc634ed275c3aaf15effa3972ce09eaf694d08dcc747d641086795bd4eeb65c38807601fffc58614907b8a2a40785eb2f68fb62da9a823630274ea205e9a66ada37e0202ed43e9bae07052c24f62064114aa3f9ebf4bc3ee517a0cdb58d855d1d50fac1b5e358f47d06b456434bc48be32c9cdbded3a8fecd423fa88967fe51f2eaa5ee9871b3d7665237d4ffaa33298504cfb745f08d50009ae376c1e65f7f8c61f88a04c18032408dd2e78a077328200da4eb7ac413fcf51025d7ce147dda45bbd3d4c9d8401a99f8a3df099aab23d405d44f62cd455597080a8bb96b12faf03042b4436e313c70b303eb247b46b3', 'CN=localhost.localdomain', '["DNS:localhost.localdomain"]', 'RSA', 2048, '600aff785b97124757b9c5a51e66f6212397e13a6e63ac4911fa13ed48d30a50', 'server-client', 'cli:cli for ipsec on localhost', 'ipsec', 1, '2026-11-30 15:20:04+00', NULL, NULL, NULL, NULL);
INSERT INTO public.ca_request VALUES (3, 'issued', NULL, '\x308201093081af020100301d311b301906035504030c127376632d612e666978747572652e746573743059301306072a8648ce3d020106082a8648ce3d0301070342000496b23f8e819903f59d37ba5db468fef577f292296b0b130a69a629f5c6b6d9d1e3e9429c57e8c7b363921c25cf60fec0fb4bc402b73982623d2a0460011f57aba030302e06092a864886f70d01090e3121301f301d0603551d110416301482127376632d612e666978747572652e74657374300a06082a8648ce3d0403020349003046022100f2c1534e035993eca629bc432b10c0931da16d93c5050697f7e3d995137fd95e022100f619c29a9a8cb3964a4261840b3931e3d6aaf2814f5c0811dd71e93075a5ac70', 'CN=svc-a.fixture.test', '["DNS:svc-a.fixture.test"]', 'EC', 256, '4aa7de57c43332b6d676be5d0acb49192179b6717a5c467776aa54767eace7f7', 'server-client', 'cli:cli', NULL, NULL, '2026-11-30 15:20:27+00', '2026-11-30 15:20:54+00', 'cli:cli', NULL, '71d1ce3ba8632c7a3faacc0da3e31481');
INSERT INTO public.ca_request VALUES (4, 'denied', NULL, '\x308201093081af020100301d311b301906035504030c127376632d622e666978747572652e746573743059301306072a8648ce3d020106082a8648ce3d03010703420004c2c40b9b8f8e20be618b41658e741d2189c70e0befe58d8e9fe2283fed23bfa8419211f5c6b9b88f01c52f614a0d736e0ccd32bcb238d0847537fbab0bc13199a030302e06092a864886f70d01090e3121301f301d0603551d110416301482127376632d622e666978747572652e74657374300a06082a8648ce3d0403020349003046022100d2353945b7447ebea810f5c416533bdea5e7379367660387f0b424c008ca90cb022100b45a37a466c2adc15ce616d8a27fa3ad21939dc789c7eb435ff42dfdeb011e72', 'CN=svc-b.fixture.test', '["DNS:svc-b.fixture.test"]', 'EC', 256, '962991c9801530c76b55aabfd62ddada072d0b91f810c4abf73a96d9006f0cf7', 'server-client', 'cli:cli', NULL, NULL, '2026-11-30 15:21:22+00', '2026-11-30 15:21:48+00', 'cli:cli', 'fixture: denied on purpose', NULL);
INSERT INTO public.ca_request VALUES (5, 'pending', 'a2172d758358185a72672caa73fbb09e34de5706e982a83930d3c986a8de9771', '\x308201083081af020100301d311b301906035504030c127376632d632e666978747572652e746573743059301306072a8648ce3d020106082a8648ce3d03010703420004cfb76450ee69cb171a81ea95e65cfddfa361ef1634a7d4aef6b1f0bab37ea6a389d79fe69b005c62d795c8836da05cf05229693792a4540fb74228eb0897442ca030302e06092a864886f70d01090e3121301f301d0603551d110416301482127376632d632e666978747572652e74657374300a06082a8648ce3d0403020348003045022100efb2385d621c67d28c810ed091ec4f91c420257965a1aa3a19fafbfde962ea1c022008d82bf56cf6045f2b0dfc358be31a94fba2f4b4fa3c94fdebb45bc01947cad0', 'CN=svc-c.fixture.test', '["DNS:svc-c.fixture.test"]', 'EC', 256, 'a2172d758358185a72672caa73fbb09e34de5706e982a83930d3c986a8de9771', 'server-client', 'cli:cli', NULL, NULL, '2026-11-30 15:22:15+00', NULL, NULL, NULL, NULL);


--
-- Data for Name: expiry_notice; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: ipsec_policy; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: job_lease; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: node; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.node VALUES (1, 'localhost', 'localhost.localdomain', NULL, true, '2026-11-30 15:18:57+00');


--
-- Data for Name: outbox_message; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: private_key; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.private_key VALUES (2, 'EC', 384, '04f6620d1a7a5c273c5347e71330f01e106f84bf7bfbccaae9e543655c58457a', '\x018bde79707cc5ee8bf3fe78bb4798dab87223bd5a3c59e1e3362a52b3eb5fc43be63fc8bce413d0824b791a6d41686aebc0c5b9219fc44818acd32b01c39f586525dc2b73620d308bbea0041d42e4502a5509bf8f8c452cc7045852e4c13f2aab5f9c4f5ad2ad292767a73f6bd52f3423f3d7286edc6f810e27de7d9636115730cced4b0f5267ade5a96d802f5a70293f0dc21e6d1294d9204580c39d950c06e4dc4ac9d85c3c56fd6dd537f37a18bd5fe41f03a0f3b7cfb265835e81fd1d5465d70d79f09edde05d86f32e1f3f8bafd792a0cbbbb5', '2026-11-30 15:18:57+00');
INSERT INTO public.private_key VALUES (3, 'RSA', 2048, 'd89af712cba90fd1deb2ae92b9c6a43f298cd427a50865f23094eceb3fd5d83b', '\x01d40e3f1cdc16b4034ebbced794a30fd7409f3fd29c194f492702ecb20d19f28cbbfe8764287f29cbc7180267ab88dd2c7c8fc1c36325b27c80894c83d00b58d9a721d422a193b01eb966dfb74b38c7cdc5a44c21c1a55a569e405fbcaed22bff5926d85f178d2a7dbf3893bcd497b8a68d04b869a5a4fff5936cc0c29ee4978baab861acead2dae1f6406f37c6cba2d4122506a950659238fd0ffc5cacf1b424c498daa33378517680691de384d005e6968b50a1e555b0b9f605738e9144e34b64ee1ac4ce39228b49e84ca3692bf8bbe4898dc1cdf4eb1459ed0f7391e043e8a4c082edbd8b441a8199b24757267158ad1c86b8d522ca099357d0b8a07fd616c8f1f57b2c2483b9410ec54efc671450c3849f0a9ec494edb21e28e7a2273f29d70d4620755069c1ea36af5b0b013853cd1a266172705da8c287f6d5db718984cf56634ea1ec478e3f903581774447c17f78fb6de55b04b5f60593968746f40b04cd33fa6267335be770b894e4f0aa3ab417389a7b31f83849514f8ea9d0935c5d3acfbf6e9bc47a66033ff67b814403331ba4671e0bf111eb08c9eeaf9e92c344c7804f20d3d0e40fe42a174257df00bb55e446c79db502c2d4de274fe5fcec194d6a05377e67d4aa12198ec57f2aec74f1cda9864731acfd71e0afba568619fc8072384abed99fdded18936a65bb9d47abda78d305f8459bb4f405987c02ddef9afaad65b364894715e30127e7dadb9b3109aaa2eed32b3426f244372cfa36e732f234d6fca929deabd7253db7769a9a07ca13abffce7af6d1ed7bf42d0d9dff0f1b5ce043b4acd3b2d9a6ada4e8f464f79455d96fc30bcad23a667dc3765c517f505edf7a81776294a339f56486ea14a7fd7393bc26c4e906b96f8de399d4f133826c9b6e1d153d4e53c2c589970bba7315a2a3e102f6f70a2b9fef01780b468993562e2bbe02602511791875038d78cb4ec3cdebfaa9d5cb02dac836f8b36eb2ec3f7bdbd0af2fdcaf553f9e28d7feb887de908e68251deb5c676650fc640755c9129a304432747229c8b2d28c5eae5585615ab65bb56592450f7bee8a57c4d471337b654ae7e1fd58bd6f2290d90beaefd53b8672243d1b2d63134f65109129395d171841a368226d22b6f6e211ceb80654b3f7509056d0f677e3e378198130f8c98a3b433f0409971f87329320dbe23484500f9048ad8fd4dfc39920e6e658cc9193eed8722885d719559fd71620c7e70475ac66a9f4cc5a4969c197cee4cd65b98f2812b6174dea9ca97b43175c7ecfab10f1e5ca59a11820f552543c167da5a77365d5f8b00d1fa7e4a2f4f2642782a1c83cc28c26510084a4050c1d63b6809e2d70004b4471774ada85fc65607fb940cef2b176c53b8ceb4ee2da3125de3ad7816d6ab1e7f7234e23a043f46076a0cc2388e11bcb19ad1aaf1d8ccdec998a96c69ffb237749657172c1e9a2337ffc788a2e6c856c190f0fe13f9f59e0ce4d5c6e86153534c6575cdf75d2c690fa48723c989d5f169b16fa6744110848fd4833f4a8049c82f6792b873c7f40682bce870c2a9b9a3d2a28aeed7f8f5faa51d9ada34d57d66e6bb109c5b6eada0f56cf70b6473b2ff754961d3b3bac48d9068dc124026fb0f6ad5b3d250780a1c42a7f9153fd7b52058b1f8486f8b36e6d4ba68b5e401102e7000f2cf7ebc48788cae4aa70d31f60972ad9bab827244d3589d0e234ae9806f86a808dc1dfe2d25db65332e1728e54c4b2a9d2450c', '2026-11-30 15:18:57+00');
INSERT INTO public.private_key VALUES (4, 'EC', 384, 'e602b48b6a058f21518e03310b72d3e95bc979f768eb1c5b77f05794496a6cc3', '\x01428c8be384718c71721885b69146b87b1dc9432b955d281f56fa6ed0eb09da3670dd5493cf193f233777c0bd46cea28454a06c580ce647ce95ea4e968c8d1ea304bd0c7d3058245ae30dd6d74ff87dfda3089ff6bf67c566dcb3de02ba47aceb0139f8c4956800888013c5939b1fb8e0ccdb3ff797aa0a5aacdcab875596747d5921c08095b7bb84c12617df98d925570b8ab2c84378b0c9033246c3548b081d181a6121574bea61e1b60be1675cb07b5e8b75a0d2434fa5adf60eb76b5b4644868a37682fa2e0f3d5b313ca6042c2ed0912d00da8', '2026-11-30 15:19:08+00');
INSERT INTO public.private_key VALUES (5, 'EC', 384, '8fcd39e1718476091dfef202ac8b3f096d83103b401f43a56d376988ef706725', '\x0157a83017240b82e57dd86ae60daa1822a5c3b5843bf35c764b4968252d14389848b822c2fe06a2ae918b836a5cb74a91579483078ae3b75d70c94798675f309788e8153d5b3f613b72fce8cb5ba48421cf728ee3d6699108a636a0c10e7c8b2a2d77263af3cb408b5f877cf810af601af091d863424c665ee3817671916d51f18becde84d97e5cbf7c4e00b0e23c619902c9b5e7486b04518eec6489e6fd314617dcba244fa9c99d6d814280eb2fb6b11016ba401ad1fc23c2442979d61b0cd0e91c0d0decf6bc0c2b2f09f2e31047a2c322db551c', '2026-11-30 15:19:08+00');
INSERT INTO public.private_key VALUES (6, 'RSA', 2048, '645a239c043528b1cd0083f059398a01d25f661c8256dad8f3e9b005b9e9bbaa', '\x01143c1dc42408d6377bc2dd8c4b15620571618e9cb9b6d403fcc2a345622e75ed0b751343ae4942916bf12b5d735a5a12ebc5fce306bda5f68faa66103cd29fdd56a92168ec185993fdb8fb1078891778983fb778c09dbf3d33a767f618e8d004cad4f4c5435ecc406b60ae075a47cf5fa63bf2aa84ea26a7812552062942c90574fdd2f52ef5e390a4d02fe5c351e7f421c16036c9c1d30ccccdcee0ecd0224d468c68127497eb95082b868ef89aec4c57abfa9b9874398e8b1a11f885f12562ef3ec477873ea05b8b6e307b459b2980516fe5d8a3449c074cbff478bb413b2115b84fe89ffebdb12baa1bf98d2c8664fb709641d2a3ecc23fd14e124f18cf97eaf70680428dbaa953fc6525598cdf784bb77436f8ed73d10670e1e39bc62e93a059820f09c37a4c83fd46b8c2926e7fa8836422d6b4b12e8881293e0d62b894fc828519de6ebf7d7d6195c725925d2c7ba602da6a2a3f940830b80036342bd786fde8090ca88bc17bba0eea700061f589d20391b3e4ee34ab975c166fb6457e17309ea7fcf222e618ca372f29c59df74c9dbeba3306e1e0b87f55c6118698e8557a0f7b476f31b25678d8a0fedc1123bddc9f7c04198119ed5d7e479183dcbcc8cd98cf91b4a0547f09330380511c6d98b81775339c28722d373dd72bddf2c153452bb77a4674fa429fd2df0178208c5f3edf047011b3be0fe453647a5b7d099707fe40340f6d69dc84e621940093cad7ae6605b812a4c543508bd2c5078822fec3203b86b5aa44cdd19b85a9727f3cbe9b5c24f892341a9aa2d0b3cf970407b177e1fda7b72006ca66638e018a847d0debb4fd1d30e8bdec5249299ca066ff9b50f79d8072b8e1835b0babf4cb0111916b50d3b8546181a557220efff704533457ed91031e311759f1780ecbdc2fdcdcc57b41340dc327e9562cd59f0b2f81388957d052896373ef834a8d8171b4bb286a8c32e2bfba8d11c0d71975c1d4e2ee4b1a3e0d17f705ffdb5d29b2d0d77bf733d5e37e3ef1986d3e5f9c116be536e613bed8f776e6d2f234d0fbe74936bd6fed2fb3818c18bd3eee90fda56bd172979cbfe15f2d07252235e9cdbd3cd9aae46e8328c15623feb27faa989a55fd2b04025c9c26248981656af9803e22c19de3a81e446e99530fc707bb1de604345e6fdf4cbb49f9d7bd5f677d123fb00137e75f63396165b644c66aec5ce810a795dff616bcb7be798da9bc51f68666d2c9daa07afbd14b9234e4e1af9f30c6ddf87c48cb39ec35a408d0a3f1226cc5ed8e0eed5798c27d187cf149c372d38227396a276a2b342825996e7cb04c1e1257fd4f8778ff71a6ee54f4218adf01c71e186b90d902f22c4708e7b6a383bdc8f1f1f85bd846690e346c6edf2527a0117f9158839a4c0e433fd63079fc0cbc3635ab0f8a72591221f8f9454a5a73fee3687110c4f184ab77dd05e56c3cb8df47c4afbcc46ba22ac1cc49193b1cca0ef7a71f0e9a2c6c5dd3d7657a9af5edf53408ac0f8ebed5cc725a0d80c1598434ffe0fc4c8718241c5316a9ca80c60cf52def803fe79f80034eccadff4b3b3b3226fb05a294d4ea1142735a4f7eeda377ca5db24b06a09fc5bb059afa8057eca7a6e8bdc6eab95885cdaa2cb56f96d8ce4f1ace925fd72d8273832b784d469726891adb39e7b3f893962c3779278cb88193a96bc4395b1ab322246c45dfbc69fa2b8e02ea3494f339e5e15e2cdd140ce770fbfd019b7e191707affc8ae24087d5d5', '2026-11-30 15:19:19+00');
INSERT INTO public.private_key VALUES (7, 'RSA', 2048, '600aff785b97124757b9c5a51e66f6212397e13a6e63ac4911fa13ed48d30a50', '\x0154e891ff8aa15f25fa0d3776529b6e54a56e5bae779bc4728a163a7718c4b000ec6c39e89281a67c01eb3950bd0796f4abafdfdaa9fc0d0fe93f259532e01beb75b3f7ad0f71e54819295ed84118a9c532e0210a74084fac03dd58353c8cacefd153159c61560db1f7e3cd9e5e93798db6a90e990a9f667eddc5ed70736a85e20021beb4bb9c90ba68bf155ed2cfc0ee5026c2fe92df7ffab60a97a39a3aa774f7f0f0244b738ac2a6d2e2623ad6666be5ddf5c97232074d316838967f507f669f989456b4a93faf7299669dc2a2068f0c7b3b643fc52416c86faafc0ec8699db989b2c1c6e62e0b516a8b166642e5e6e912aa6df2f749c40ee5d8d401392efb2d66400f7bc14b59d9939f1862a78a38aaef821df9df7d3cf9cf253f7fb6798c38abda4ba41e9d95da97312b3fc33f40c925f00012d20c2722cd820806e5d304bd3f915510e814e1295d30932509289ff822ae5aaaa56a8a619169c28761b2fac1a87d04dc1bff5175d0508791347d98cccdba55d8e2865554d4815dea4e6d462e93f58188a9d16ed761608da415072c90589b886d76bed8d1f94c6f69462dd4d8d469eda023a617b3ab1790faad969a43232bf89622fac84d52caf935c0f229721a68391fb1deb61dd0525dc74c1a20083f82577b3cee095e3bd7d6fc42776c810ed3520da9b6a7f30b919f1ea711b4d3c6219f9c60294e02ee152df4a5ebfb339ec332eec86739f311912cb6925e459351b0959b86ee10061e89caf0b74cf7ffaf2bd6a5d7a415f039c6189bccc302ffade995ddef995da37eb4d80e814126a431f585374068f089a742bf0062bbc9a7c2ac9e6e0d1e992add23399b210e2aeb1452908bea2fd4cb8d39310557d5884765f9704645ba50b75e90b885d450ea4b73d75219058424c7d8b0ed109a4c89ece4ccf0a5fbf2ae690d485e6bffff598cb70dac5491a413641108f41b2508d7ad350850add05c684ffc8b34c0c995651b7ec79bfc985f69bfab0cd12de1aee8d7e4c86d6b1e0deb893b0596a0f4d6af234a4fd0233fa45a5f2c4410580bb175d32756fe1a5738a31e422bf5345886d81b26811dcbee100d183d19da3d21cecea88ccfdda126d62b2228424728684845005aec571399efc34535d261399608287b1b96debe68373479e50c4d1ca985ccae8ab3202420976ce23351fd9eb8ece59f799671f21eb3ceb81279c4b68369d4596123dc53bd52e47da852951a9a79968127b3582b290cf9673a2e7f4e9d746799643e7737cde1b864d59fcb838a32a98e973e206ffbcc75228fd3c4d2ceb199335d5277df76ffdd534b5532a13e5423dca1e948ec88b7de34a7e28ee14f2aa219e209b327749ea4e8de87188875aebeb0bf2d4c3b675155271b8a5d8e887d434d90fff05d394ea1ec29168b1832a1d1b7a969d5968a763b36767289b6c999794c1be881d3a8e25749e89ce932998718c050df99438d7ebbe3eef3f3554f59a6d7164c35d3092bf91f0bd8542f6ed3b45bc723f065d48b2921e1df7058e0ef28c3377c3e7fdec465e9291ff51db999bd8563ada96680eca7d3079a150741afb1304abecee862ba342c4d923418bd50d11bda29916e99e692051c7de158811336aa3b23f8a73af209a4d1acfe6e264877faae5858343e55b1980641c8b6de3f4b618afd4e97dd171c9c99105fc8a54ac0a187db93aa79ea0c1fe6938167b2298a9df76dc196ea6cbcc761637fd34f5bf364d1bef9bf8a2de806c12c7ee8', '2026-11-30 15:19:45+00');


--
-- Data for Name: probe_result; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: probe_target; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: purpose; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.purpose VALUES ('tomcat', 'RSA', '[1024, 2048, 3072, 4096]', 2048, '["SHA1", "SHA256"]', 'SHA256', true, '["web server", "IMAP server", "directory sync", "SMTP server", "conversation manager"]', 'Web server identity (RSA); generated at install as a self-signed root');
INSERT INTO public.purpose VALUES ('tomcat-ECDSA', 'EC', '[256, 384, 521]', 384, '["SHA384", "SHA512"]', 'SHA384', true, '["web server", "IMAP server", "directory sync", "SMTP server", "conversation manager"]', 'Web server identity (EC); generated at install as a self-signed root');
INSERT INTO public.purpose VALUES ('ipsec', 'RSA', '[1024, 2048, 3072, 4096]', 2048, '["SHA1", "SHA256"]', 'SHA256', false, '["IPsec"]', 'IPsec identity for connections with gateways');


--
-- Data for Name: revocation_status; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: secured_connection; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: setting; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.setting VALUES ('cluster', '{"name": "certyard"}', '2026-11-30 15:18:57+00');
INSERT INTO public.setting VALUES ('ca', '{"purposes": ["ipsec", "tomcat", "tomcat-ECDSA"]}', '2026-11-30 15:19:08+00');
INSERT INTO public.setting VALUES ('tls', '{"min_version": "1.2"}', '2026-11-30 15:22:44+00');
INSERT INTO public.setting VALUES ('smtp', '{"host": "mail.fixture.test", "port": 587, "security": "starttls", "username": "", "password_sealed": "", "sender": "certyard@fixture.test", "timeout_seconds": 10}', '2026-11-30 15:23:04+00');
INSERT INTO public.setting VALUES ('audit_head', '{"id": 16, "hash": "503fea65f320d730448e34e5e287931a843f6b49b85bcc68be0bcb57e485c48e"}', '2026-11-30 15:23:19+00');


--
-- Data for Name: store_entry; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.store_entry VALUES (2, 'trust:tomcat:4a553731f8b5ecfd477926a2a00e26bf30819ab246ae1d8fb468f879bb8762d4', 'trust', 'tomcat', NULL, 1, 'all', 'localhost.localdomain', 'CN=localhost.localdomain', 'CN=localhost.localdomain', '56856b5369696a040a5b0762f16168f1', '2026-11-30 15:13:57+00', '2031-11-29 15:18:57+00', 'RSA', 2048, 'SHA256', true, '4a553731f8b5ecfd477926a2a00e26bf30819ab246ae1d8fb468f879bb8762d4', '41112e112a544b1520a1b5102139f2e3d3107d9a0b15142db6a443c3ad7f190a', '["DNS:localhost.localdomain"]', 'Self-signed tomcat certificate of localhost.localdomain', '\x308203733082025ba003020102021056856b5369696a040a5b0762f16168f1300d06092a864886f70d01010b05003020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e301e170d3236313133303135313335375a170d3331313132393135313835375a3020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100d7fbcf81776e84af016995e81299d36d3e7a00b7983322387fb1e49a27ad7541a00cab16214c2fbe4921a3e1c21941c32340a0ac4c79010c057ad8ed4f9bea4692f375491653b3af8e1d2947d85516a03678b8e3fe8cc7dd0dba396e4e3612d729f28f36f90805bbb8f89a212caefb700430ec12d79c638efc2a1b8a7c8d6f752f298ba439f67fd124093fe3ecde932e56e11143fa34260469e69c6e2e3f01b027bc8570a8a817fe899b947f5c22fcef193fe17ce59123780740212487f841fc767769ca18ef6439624a1d6e3f6c01ea6a5a44e74503cfa8bc543a9c82ac934ffd7803aad41155ead1616c8a328116c3fe8da912a603dcdaa36566b084275fe50203010001a381a83081a530120603551d130101ff040830060101ff020100300e0603551d0f0101ff0404030202b4301d0603551d250416301406082b0601050507030106082b06010505070302301d0603551d0e04160414be2b9db1375844c812f519728f74d0f926cfeff3301f0603551d23041830168014be2b9db1375844c812f519728f74d0f926cfeff330200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300d06092a864886f70d01010b05000382010100838c31d8a5beeac731cd00186348a363aa53d69ef802168d04cb6bc051a6f8a0b537596b2b9d4b90e07b9b1ef8c056659ea99f23f372e1f831adfa523a15bda52033cc1856401ac759e8271717149833ca61da74ddffad5a631e1bf3ca08fcb3dfbee542a81fc4b65e7d8b08c751a4ea786a631d7df45ee9f695d867741bc696749c919c8cb931b43135a3bd23717d1a32cc6fe75af18507b7619bb3424d9a99546836d570f6e04b32781c7c8b94cd9179200c3f3882b07cb8bddd15fcd4d7e678d1131714cb54d2f07591a1672303023e921a20666e88068d0ac0c58a4e566c99315aa1801f449786a2f57bf79fa797e673d93278e46e30bfe1cbb161329333', NULL, '2026-11-30 15:18:57+00');
INSERT INTO public.store_entry VALUES (3, 'identity:tomcat-ECDSA:1', 'identity', 'tomcat-ECDSA', 1, NULL, 'single', 'localhost.localdomain', 'CN=localhost.localdomain', 'CN=localhost.localdomain', '455897ded865ebef579c0902138ba214', '2026-11-30 15:13:57+00', '2031-11-29 15:18:57+00', 'EC', 384, 'SHA384', true, '4fb866c0c189f8d821f0f1fb7dde455b8fdb1eb9227790c727b8f8ec9b9a0626', '04f6620d1a7a5c273c5347e71330f01e106f84bf7bfbccaae9e543655c58457a', '["DNS:localhost.localdomain"]', 'Self-signed certificate', '\x30820223308201aaa0030201020210455897ded865ebef579c0902138ba214300a06082a8648ce3d0403033020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e301e170d3236313133303135313335375a170d3331313132393135313835375a3020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e3076301006072a8648ce3d020106052b8104002203620004a840c7b109d4c631c9e969fe68d1f9aa0ea53146ad5d9c84608259d9474353bff4f94586807e9f6c8a5378da85bd2544c5eb613c036bb7d5957062857ed7af171424c4815c97b6968f8a2608ee38cee224323afeca0eba7055bfe0779f8a5e66a381a83081a530120603551d130101ff040830060101ff020100300e0603551d0f0101ff04040302028c301d0603551d250416301406082b0601050507030106082b06010505070302301d0603551d0e04160414867666e13ae33b416da3a810c31f552f0fd93f40301f0603551d23041830168014867666e13ae33b416da3a810c31f552f0fd93f4030200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300a06082a8648ce3d04030303670030640230248758a458c80e205db1e41bbc7b5133fd4bf48ec890be2e1b60c6a978395e3522417c4aceb1dd474745aa7cc0a5b4cf023072da48f80811d51e259e3a05f2cb235df4996f2717423d98c65517c69f51f5ae3c3ccf10420210d8e5d3c08a4a621d32', 2, '2026-11-30 15:18:57+00');
INSERT INTO public.store_entry VALUES (4, 'trust:tomcat-ECDSA:4fb866c0c189f8d821f0f1fb7dde455b8fdb1eb9227790c727b8f8ec9b9a0626', 'trust', 'tomcat-ECDSA', NULL, 1, 'all', 'localhost.localdomain', 'CN=localhost.localdomain', 'CN=localhost.localdomain', '455897ded865ebef579c0902138ba214', '2026-11-30 15:13:57+00', '2031-11-29 15:18:57+00', 'EC', 384, 'SHA384', true, '4fb866c0c189f8d821f0f1fb7dde455b8fdb1eb9227790c727b8f8ec9b9a0626', '04f6620d1a7a5c273c5347e71330f01e106f84bf7bfbccaae9e543655c58457a', '["DNS:localhost.localdomain"]', 'Self-signed tomcat-ECDSA certificate of localhost.localdomain', '\x30820223308201aaa0030201020210455897ded865ebef579c0902138ba214300a06082a8648ce3d0403033020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e301e170d3236313133303135313335375a170d3331313132393135313835375a3020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e3076301006072a8648ce3d020106052b8104002203620004a840c7b109d4c631c9e969fe68d1f9aa0ea53146ad5d9c84608259d9474353bff4f94586807e9f6c8a5378da85bd2544c5eb613c036bb7d5957062857ed7af171424c4815c97b6968f8a2608ee38cee224323afeca0eba7055bfe0779f8a5e66a381a83081a530120603551d130101ff040830060101ff020100300e0603551d0f0101ff04040302028c301d0603551d250416301406082b0601050507030106082b06010505070302301d0603551d0e04160414867666e13ae33b416da3a810c31f552f0fd93f40301f0603551d23041830168014867666e13ae33b416da3a810c31f552f0fd93f4030200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300a06082a8648ce3d04030303670030640230248758a458c80e205db1e41bbc7b5133fd4bf48ec890be2e1b60c6a978395e3522417c4aceb1dd474745aa7cc0a5b4cf023072da48f80811d51e259e3a05f2cb235df4996f2717423d98c65517c69f51f5ae3c3ccf10420210d8e5d3c08a4a621d32', NULL, '2026-11-30 15:18:57+00');
INSERT INTO public.store_entry VALUES (5, 'identity:ipsec:1', 'identity', 'ipsec', 1, NULL, 'single', 'localhost.localdomain', 'CN=localhost.localdomain', 'CN=localhost.localdomain', '794e70f7180d8b545159a1906126d133', '2026-11-30 15:13:57+00', '2031-11-29 15:18:57+00', 'RSA', 2048, 'SHA256', true, 'efa2ff793fee7a69967f7d39130537c9a03368a51494206f8f4d4da6f531c6a0', 'd89af712cba90fd1deb2ae92b9c6a43f298cd427a50865f23094eceb3fd5d83b', '["DNS:localhost.localdomain"]', 'Self-signed certificate', '\x308203733082025ba0030201020210794e70f7180d8b545159a1906126d133300d06092a864886f70d01010b05003020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e301e170d3236313133303135313335375a170d3331313132393135313835375a3020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100db4edb5eaa3563fee2ef39926496d7499a3430577f935e83834e6b1c202c341667ce19b3bf711d9914d4c7b6d26ab541593916e23274468efb40048a9480272313e0e80195273b5e35677a9cee50a5980a4ff35a7f1ffb747adc339f34f3af407fa98311e078965414c86f5b2d13f0d9c1ccde876c629f3039458270a96072e41f9e894a9e8e7ca13301c6cbb6a8796940544428d13865eccf9a16c3a0ad44d85e0e1ab892b4b8e1def03bcd550957a8ea802cab8b8a3d7b693c853f6c3ed028ed311607c21fab8fca4d5489e7861d46d16749a7308a316e226ea7389ab8fd4ff204caf3d95338d53ebd2b5f123a8f2619a76ca6b411f3783def064518be4c230203010001a381a83081a530120603551d130101ff040830060101ff020100300e0603551d0f0101ff0404030202b4301d0603551d250416301406082b0601050507030106082b06010505070302301d0603551d0e04160414e467842361b92ce27ca521e06831193d128c203b301f0603551d23041830168014e467842361b92ce27ca521e06831193d128c203b30200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300d06092a864886f70d01010b050003820101005d36cecb2797dcde76c1f33a1b4fe6fc47cea1b8c0640e97c2d244e23e7867c01c9f1c607cc13d7f088cbbf92a209dbbf3eed08b541356b3088188b95cf36d2dfde796a54dbaff652361d1f4545838f5dfe621502c2b90be4fb73003b83b7e39225b3d37cc466922f7575af37086b62dc8bc0e66009cd2a26f638c1fa3c84813496c1fec5abb2270e222030d872131a5a31bb21e5de6640d867c3880e518b7fd8396b6fdeba30dd599605c7d806bb1bd1ffb2bab9eb9621f82d374a67f8df23fa096130bec4f7a8be218c729e959dd0a646bceabfcc3b2b584e9e5b5713d71fd10f9802c909c0e19cf264ffc39b4127d9f3158ab5a333952d17f5edf75cb53aa', 3, '2026-11-30 15:18:57+00');
INSERT INTO public.store_entry VALUES (6, 'trust:ipsec:efa2ff793fee7a69967f7d39130537c9a03368a51494206f8f4d4da6f531c6a0', 'trust', 'ipsec', NULL, 1, 'all', 'localhost.localdomain', 'CN=localhost.localdomain', 'CN=localhost.localdomain', '794e70f7180d8b545159a1906126d133', '2026-11-30 15:13:57+00', '2031-11-29 15:18:57+00', 'RSA', 2048, 'SHA256', true, 'efa2ff793fee7a69967f7d39130537c9a03368a51494206f8f4d4da6f531c6a0', 'd89af712cba90fd1deb2ae92b9c6a43f298cd427a50865f23094eceb3fd5d83b', '["DNS:localhost.localdomain"]', 'Self-signed ipsec certificate of localhost.localdomain', '\x308203733082025ba0030201020210794e70f7180d8b545159a1906126d133300d06092a864886f70d01010b05003020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e301e170d3236313133303135313335375a170d3331313132393135313835375a3020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100db4edb5eaa3563fee2ef39926496d7499a3430577f935e83834e6b1c202c341667ce19b3bf711d9914d4c7b6d26ab541593916e23274468efb40048a9480272313e0e80195273b5e35677a9cee50a5980a4ff35a7f1ffb747adc339f34f3af407fa98311e078965414c86f5b2d13f0d9c1ccde876c629f3039458270a96072e41f9e894a9e8e7ca13301c6cbb6a8796940544428d13865eccf9a16c3a0ad44d85e0e1ab892b4b8e1def03bcd550957a8ea802cab8b8a3d7b693c853f6c3ed028ed311607c21fab8fca4d5489e7861d46d16749a7308a316e226ea7389ab8fd4ff204caf3d95338d53ebd2b5f123a8f2619a76ca6b411f3783def064518be4c230203010001a381a83081a530120603551d130101ff040830060101ff020100300e0603551d0f0101ff0404030202b4301d0603551d250416301406082b0601050507030106082b06010505070302301d0603551d0e04160414e467842361b92ce27ca521e06831193d128c203b301f0603551d23041830168014e467842361b92ce27ca521e06831193d128c203b30200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300d06092a864886f70d01010b050003820101005d36cecb2797dcde76c1f33a1b4fe6fc47cea1b8c0640e97c2d244e23e7867c01c9f1c607cc13d7f088cbbf92a209dbbf3eed08b541356b3088188b95cf36d2dfde796a54dbaff652361d1f4545838f5dfe621502c2b90be4fb73003b83b7e39225b3d37cc466922f7575af37086b62dc8bc0e66009cd2a26f638c1fa3c84813496c1fec5abb2270e222030d872131a5a31bb21e5de6640d867c3880e518b7fd8396b6fdeba30dd599605c7d806bb1bd1ffb2bab9eb9621f82d374a67f8df23fa096130bec4f7a8be218c729e959dd0a646bceabfcc3b2b584e9e5b5713d71fd10f9802c909c0e19cf264ffc39b4127d9f3158ab5a333952d17f5edf75cb53aa', NULL, '2026-11-30 15:18:57+00');
INSERT INTO public.store_entry VALUES (7, 'trust:ipsec:3a2404aaccbb5754bf5b7f0aa4fedf40f57f765834134e9afa020f8fe9dbadce', 'trust', 'ipsec', NULL, NULL, 'all', 'Fixture Root CA', 'CN=Fixture Root CA,O=certyard', 'CN=Fixture Root CA,O=certyard', '448be072333ce625ef1e66d74a9de7dc', '2026-11-30 15:14:08+00', '2046-11-25 15:19:08+00', 'EC', 384, 'SHA384', true, '3a2404aaccbb5754bf5b7f0aa4fedf40f57f765834134e9afa020f8fe9dbadce', 'e602b48b6a058f21518e03310b72d3e95bc979f768eb1c5b77f05794496a6cc3', '[]', 'certyard built-in CA root', '\x308201d73082015da0030201020210448be072333ce625ef1e66d74a9de7dc300a06082a8648ce3d040303302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f74204341301e170d3236313133303135313430385a170d3436313132353135313930385a302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f742043413076301006072a8648ce3d020106052b8104002203620004f00c90ce25063a8a4bcdff933866a1a6cf19eaa671e8e41a0f2226e7996571a8ac48b73210db83ca3f079c047e63e4779d20d9f004d49d35cedb6a061b8581fdea8c1ee273b91be6816f0dc0fd3d22a466197fd7f368953298aaacdb392eb3a5a3423040300f0603551d130101ff040530030101ff300e0603551d0f0101ff040403020186301d0603551d0e04160414b8a1d71ad83b756e9bd479cf4be19128a0c30916300a06082a8648ce3d04030303680030650230141f93f75aa5a710f0cd9466018fd080d6e27bb0b382d8fa615dc0b839d9d8d493b9140b0cd4a1d6793da727e14e003302310083ea78e0b89edbc6a4df0f114cdbc4fc3630fee47736b67e7db2e610bbd376686889d8d43cf848d87f1636d3e711a249', NULL, '2026-11-30 15:19:08+00');
INSERT INTO public.store_entry VALUES (8, 'trust:tomcat:3a2404aaccbb5754bf5b7f0aa4fedf40f57f765834134e9afa020f8fe9dbadce', 'trust', 'tomcat', NULL, NULL, 'all', 'Fixture Root CA', 'CN=Fixture Root CA,O=certyard', 'CN=Fixture Root CA,O=certyard', '448be072333ce625ef1e66d74a9de7dc', '2026-11-30 15:14:08+00', '2046-11-25 15:19:08+00', 'EC', 384, 'SHA384', true, '3a2404aaccbb5754bf5b7f0aa4fedf40f57f765834134e9afa020f8fe9dbadce', 'e602b48b6a058f21518e03310b72d3e95bc979f768eb1c5b77f05794496a6cc3', '[]', 'certyard built-in CA root', '\x308201d73082015da0030201020210448be072333ce625ef1e66d74a9de7dc300a06082a8648ce3d040303302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f74204341301e170d3236313133303135313430385a170d3436313132353135313930385a302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f742043413076301006072a8648ce3d020106052b8104002203620004f00c90ce25063a8a4bcdff933866a1a6cf19eaa671e8e41a0f2226e7996571a8ac48b73210db83ca3f079c047e63e4779d20d9f004d49d35cedb6a061b8581fdea8c1ee273b91be6816f0dc0fd3d22a466197fd7f368953298aaacdb392eb3a5a3423040300f0603551d130101ff040530030101ff300e0603551d0f0101ff040403020186301d0603551d0e04160414b8a1d71ad83b756e9bd479cf4be19128a0c30916300a06082a8648ce3d04030303680030650230141f93f75aa5a710f0cd9466018fd080d6e27bb0b382d8fa615dc0b839d9d8d493b9140b0cd4a1d6793da727e14e003302310083ea78e0b89edbc6a4df0f114cdbc4fc3630fee47736b67e7db2e610bbd376686889d8d43cf848d87f1636d3e711a249', NULL, '2026-11-30 15:19:08+00');
INSERT INTO public.store_entry VALUES (9, 'trust:tomcat-ECDSA:3a2404aaccbb5754bf5b7f0aa4fedf40f57f765834134e9afa020f8fe9dbadce', 'trust', 'tomcat-ECDSA', NULL, NULL, 'all', 'Fixture Root CA', 'CN=Fixture Root CA,O=certyard', 'CN=Fixture Root CA,O=certyard', '448be072333ce625ef1e66d74a9de7dc', '2026-11-30 15:14:08+00', '2046-11-25 15:19:08+00', 'EC', 384, 'SHA384', true, '3a2404aaccbb5754bf5b7f0aa4fedf40f57f765834134e9afa020f8fe9dbadce', 'e602b48b6a058f21518e03310b72d3e95bc979f768eb1c5b77f05794496a6cc3', '[]', 'certyard built-in CA root', '\x308201d73082015da0030201020210448be072333ce625ef1e66d74a9de7dc300a06082a8648ce3d040303302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f74204341301e170d3236313133303135313430385a170d3436313132353135313930385a302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f742043413076301006072a8648ce3d020106052b8104002203620004f00c90ce25063a8a4bcdff933866a1a6cf19eaa671e8e41a0f2226e7996571a8ac48b73210db83ca3f079c047e63e4779d20d9f004d49d35cedb6a061b8581fdea8c1ee273b91be6816f0dc0fd3d22a466197fd7f368953298aaacdb392eb3a5a3423040300f0603551d130101ff040530030101ff300e0603551d0f0101ff040403020186301d0603551d0e04160414b8a1d71ad83b756e9bd479cf4be19128a0c30916300a06082a8648ce3d04030303680030650230141f93f75aa5a710f0cd9466018fd080d6e27bb0b382d8fa615dc0b839d9d8d493b9140b0cd4a1d6793da727e14e003302310083ea78e0b89edbc6a4df0f114cdbc4fc3630fee47736b67e7db2e610bbd376686889d8d43cf848d87f1636d3e711a249', NULL, '2026-11-30 15:19:08+00');
INSERT INTO public.store_entry VALUES (10, 'csr:tomcat:1', 'csr', 'tomcat', 1, NULL, 'single', 'localhost.localdomain', 'CN=localhost.localdomain', NULL, NULL, NULL, NULL, 'RSA', 2048, 'SHA256', false, '55f667cded7b533e9cfe04442b97306162647764120562c1a4ce321721afab0a', '645a239c043528b1cd0083f059398a01d25f661c8256dad8f3e9b005b9e9bbaa', '["DNS:localhost.localdomain"]', 'CSR for tomcat', '\x308202c7308201af0201003020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100c9075734f6e739394602f2d9ad8c03134f1169fbddb379f1583207f18668930b6d1054322cd02897453b1338fc842840608419f47eeb33aa3cce4c3368c316c206f9e6c2e57996866c30be4302966452236809d3e05e1552f81b1bfe954d1a5b793f6829a6ef38a8db3b00123f70579968fa671715a080426befc90eac952b8dbff07b641e774575b3d5fd97022b2ae8ecee8cde7c761dfaeeb27dd3d6bd37ffc6793f1b06ae225f7b7e51c067b8bbfb744b1c401d2321e208b294761090c6edbb17e154fc3fa9c3f20069f205994b88ab71e529d10054b9df3e2437d503af9e22078531ec42c47b8ac80fde7787b89060616e57d401edb0802e3d519e6123430203010001a062306006092a864886f70d01090e3153305130200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300e0603551d0f0101ff0404030204b0301d0603551d250416301406082b0601050507030106082b06010505070302300d06092a864886f70d01010b050003820101005a54aa24df57f5799eec5dfa72967d904f6a1f5844c5d2a5d569a2288471ae1dd6890c28682dc8978f106aad34eb04464ac490285c9b1d20c3510b2e28c6057dfa21a96438193302f48fd33f0e13d5921d3bffb531ebbd2ddc06de1767344a12c6c2d9b1f5a5fbdc309bee7520e27d686a6627bacb6364715d4cfa1ecdc04e8cc46fc9f8215cd58e67c3c9ef6eed9be653814da378fe2fdf0bd0bc2566b5a66f44f0fe490bfd16907751c6cf1049c14204c3913d0c783255692f38712572d006a03e9dfa79a6d282f65a5e1991ab1877203ff679779855f9d39153d608c0d8ff476b5efd2155154047e234281329d98a07d9f7083d2a5987b1c4a00431eb6ce0', 6, '2026-11-30 15:19:19+00');
INSERT INTO public.store_entry VALUES (11, 'identity:tomcat:1', 'identity', 'tomcat', 1, NULL, 'single', 'localhost.localdomain', 'CN=localhost.localdomain', 'CN=Fixture Issuing CA,O=certyard', '4109e667191e3fcce03742c5bde17f31', '2026-11-30 15:14:32+00', '2028-01-01 15:19:32+00', 'RSA', 2048, 'SHA384', false, '1bb9589a69fc215ef5752cb7ac9d43dcbf3b5d319d38f80807f4782c080e0be5', '645a239c043528b1cd0083f059398a01d25f661c8256dad8f3e9b005b9e9bbaa', '["DNS:localhost.localdomain"]', 'Issued by the certyard CA', '\x308203973082031da00302010202104109e667191e3fcce03742c5bde17f31300a06082a8648ce3d04030330303111300f060355040a0c086365727479617264311b301906035504030c12466978747572652049737375696e67204341301e170d3236313133303135313433325a170d3238303130313135313933325a3020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100c9075734f6e739394602f2d9ad8c03134f1169fbddb379f1583207f18668930b6d1054322cd02897453b1338fc842840608419f47eeb33aa3cce4c3368c316c206f9e6c2e57996866c30be4302966452236809d3e05e1552f81b1bfe954d1a5b793f6829a6ef38a8db3b00123f70579968fa671715a080426befc90eac952b8dbff07b641e774575b3d5fd97022b2ae8ecee8cde7c761dfaeeb27dd3d6bd37ffc6793f1b06ae225f7b7e51c067b8bbfb744b1c401d2321e208b294761090c6edbb17e154fc3fa9c3f20069f205994b88ab71e529d10054b9df3e2437d503af9e22078531ec42c47b8ac80fde7787b89060616e57d401edb0802e3d519e6123430203010001a382015c30820158300c0603551d130101ff04023000300e0603551d0f0101ff0404030204b0301d0603551d0e0416041407295c235d21875c25bbd300a240b2d74d70782b301f0603551d23041830168014431521040deee4c2ff014594085e318e7885ee5f301d0603551d250416301406082b0601050507030106082b0601050507030230200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e303b0603551d1f043430323030a02ea02c862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f322e63726c307a06082b06010505070101046e306c303206082b060105050730018626687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f6f637370303606082b06010505073002862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f322e637274300a06082a8648ce3d040303036800306502300eaa9251b93019f18d30e0954080822f422a7465e61e5e498b9e534f548fac30cac2045b3403f5370c41c4d8f70d46ec023100e7a2bda601d1bebebbd6c30794500b699a5b8b4a8b258bd1bee31448daa32ca7e2e6260e3ae5663b743188499199cbc5', 6, '2026-11-30 15:19:32+00');
INSERT INTO public.store_entry VALUES (12, 'trust:tomcat:ff02bf7b286a7c7f2145fdab21893b23ba1756201e1d076d8d75c971d3d45d99', 'trust', 'tomcat', NULL, NULL, 'all', 'Fixture Issuing CA', 'CN=Fixture Issuing CA,O=certyard', 'CN=Fixture Root CA,O=certyard', '711877e7681b397ef297b8d0711523dc', '2026-11-30 15:14:08+00', '2036-11-27 15:19:08+00', 'EC', 384, 'SHA384', false, 'ff02bf7b286a7c7f2145fdab21893b23ba1756201e1d076d8d75c971d3d45d99', '8fcd39e1718476091dfef202ac8b3f096d83103b401f43a56d376988ef706725', '[]', 'Intermediate from an uploaded chain', '\x308202ba30820241a0030201020210711877e7681b397ef297b8d0711523dc300a06082a8648ce3d040303302d3111300f060355040a0c0863657274796172643118301606035504030c0f4669787475726520526f6f74204341301e170d3236313133303135313430385a170d3336313132373135313930385a30303111300f060355040a0c086365727479617264311b301906035504030c12466978747572652049737375696e672043413076301006072a8648ce3d020106052b8104002203620004037b43dcbea369a1711dbfacd38674955b982ea82cbcdc84664fbd997df9c4101ed5b3b4726c9894859e9e5ee3beed501be150b3e03dccc31fb10ac4a702e2d492f712b7323424e25a09382e57dd3ed0c572f92829de4d37f786197d8c76f4cfa38201213082011d30120603551d130101ff040830060101ff020100300e0603551d0f0101ff040403020186301d0603551d0e04160414431521040deee4c2ff014594085e318e7885ee5f301f0603551d23041830168014b8a1d71ad83b756e9bd479cf4be19128a0c30916303b0603551d1f043430323030a02ea02c862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f312e63726c307a06082b06010505070101046e306c303206082b060105050730018626687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f6f637370303606082b06010505073002862a687474703a2f2f6c6f63616c686f73742e6c6f63616c646f6d61696e3a383038302f63612f312e637274300a06082a8648ce3d04030303670030640230397ac8e5096874b971d7299366430bb7fbcd685f7cd94b5b3e2f25b7b44deb50dea0015ad04f8c96f313452b8e6c603402303ddc79f340e22080df463ecee1ec29e7295aba98eaed511a4d7b7df4d0b71828c8c6528de8924492f0d65e39a161c097', NULL, '2026-11-30 15:19:32+00');
INSERT INTO public.store_entry VALUES (13, 'csr:ipsec:1', 'csr', 'ipsec', 1, NULL, 'single', 'localhost.localdomain', 'CN=localhost.localdomain', NULL, NULL, NULL, NULL, 'RSA', 2048, 'SHA256', false, '0e6e46bf5579d303e9122fbebccee85a0bbb659c5acff6566158016483a91754', '600aff785b97124757b9c5a51e66f6212397e13a6e63ac4911fa13ed48d30a50', '["DNS:localhost.localdomain"]', 'CSR for ipsec', '\x308202c7308201af0201003020311e301c06035504030c156c6f63616c686f73742e6c6f63616c646f6d61696e30820122300d06092a864886f70d01010105000382010f003082010a0282010100cbc553bd60529acdb8ed4a6925099390b6e149cfa42712b38836b7452c28208737f108741fe0d90f89ef8fd6d57658448475ca06ce24752914e4c734f3efc9f3642cd74739a4bb28cbdd82a3d18ed733e0c6c67608614d9a9f9c4c2fd7be847e1cbe6884cf9d3ff6d2f8bd3ae0e958047a221a0a9a219dbf7c7270a9efa0174a4d7d4d87b45cf617f5d6b7cfb08d785ca90548538ec2ee0f34f225feb22f5c05ae5898568c40a79dda9076a13837acb665e0cd1dd5b3e98f3fa7c24bd818f3e5e8890675ccf5b6896d1058a289ee592e311fd8966762fb694e8d42213fb45d2e935f45e22fab00d9edc1892d521bdf98996d8f1eb2fda911d0ed907573a6ec7d0203010001a062306006092a864886f70d01090e3153305130200603551d110419301782156c6f63616c686f73742e6c6f63616c646f6d61696e300e0603551d0f0101ff0404030204b0301d0603551d250416301406082b0601050507030106082b06010505070302300d06092a864886f70d01010b05000382010100b4460b781ff936f40e73f4de77e0a6a58bc634ed275c3aaf15effa3972ce09eaf694d08dcc747d641086795bd4eeb65c38807601fffc58614907b8a2a40785eb2f68fb62da9a823630274ea205e9a66ada37e0202ed43e9bae07052c24f62064114aa3f9ebf4bc3ee517a0cdb58d855d1d50fac1b5e358f47d06b456434bc48be32c9cdbded3a8fecd423fa88967fe51f2eaa5ee9871b3d7665237d4ffaa33298504cfb745f08d50009ae376c1e65f7f8c61f88a04c18032408dd2e78a077328200da4eb7ac413fcf51025d7ce147dda45bbd3d4c9d8401a99f8a3df099aab23d405d44f62cd455597080a8bb96b12faf03042b4436e313c70b303eb247b46b3', 7, '2026-11-30 15:19:45+00');


--
-- Data for Name: trust_list_version; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Name: account_allowlist_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.account_allowlist_id_seq', 1, false);


--
-- Name: account_api_token_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.account_api_token_id_seq', 1, false);


--
-- Name: account_password_history_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.account_password_history_id_seq', 1, true);


--
-- Name: account_session_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.account_session_id_seq', 1, false);


--
-- Name: account_user_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.account_user_id_seq', 1, true);


--
-- Name: agent_credential_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.agent_credential_id_seq', 1, false);


--
-- Name: agent_enroll_token_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.agent_enroll_token_id_seq', 1, false);


--
-- Name: alarm_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.alarm_id_seq', 1, false);


--
-- Name: audit_event_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_event_id_seq', 16, true);


--
-- Name: bulk_operation_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.bulk_operation_id_seq', 1, false);


--
-- Name: bulk_sftp_settings_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.bulk_sftp_settings_id_seq', 1, false);


--
-- Name: ca_certificate_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ca_certificate_id_seq', 2, true);


--
-- Name: ca_issued_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ca_issued_id_seq', 2, true);


--
-- Name: ca_request_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ca_request_id_seq', 5, true);


--
-- Name: expiry_notice_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.expiry_notice_id_seq', 1, false);


--
-- Name: ipsec_policy_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ipsec_policy_id_seq', 1, false);


--
-- Name: node_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.node_id_seq', 1, true);


--
-- Name: outbox_message_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.outbox_message_id_seq', 1, false);


--
-- Name: private_key_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.private_key_id_seq', 7, true);


--
-- Name: probe_result_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.probe_result_id_seq', 1, false);


--
-- Name: probe_target_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.probe_target_id_seq', 1, false);


--
-- Name: secured_connection_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.secured_connection_id_seq', 1, false);


--
-- Name: store_entry_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.store_entry_id_seq', 13, true);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: account_allowlist pk_account_allowlist; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_allowlist
    ADD CONSTRAINT pk_account_allowlist PRIMARY KEY (id);


--
-- Name: account_api_token pk_account_api_token; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_api_token
    ADD CONSTRAINT pk_account_api_token PRIMARY KEY (id);


--
-- Name: account_password_history pk_account_password_history; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_password_history
    ADD CONSTRAINT pk_account_password_history PRIMARY KEY (id);


--
-- Name: account_role pk_account_role; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_role
    ADD CONSTRAINT pk_account_role PRIMARY KEY (name);


--
-- Name: account_session pk_account_session; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_session
    ADD CONSTRAINT pk_account_session PRIMARY KEY (id);


--
-- Name: account_user pk_account_user; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_user
    ADD CONSTRAINT pk_account_user PRIMARY KEY (id);


--
-- Name: agent_credential pk_agent_credential; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_credential
    ADD CONSTRAINT pk_agent_credential PRIMARY KEY (id);


--
-- Name: agent_enroll_token pk_agent_enroll_token; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_enroll_token
    ADD CONSTRAINT pk_agent_enroll_token PRIMARY KEY (id);


--
-- Name: agent_status pk_agent_status; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_status
    ADD CONSTRAINT pk_agent_status PRIMARY KEY (node_id);


--
-- Name: alarm pk_alarm; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alarm
    ADD CONSTRAINT pk_alarm PRIMARY KEY (id);


--
-- Name: audit_event pk_audit_event; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event
    ADD CONSTRAINT pk_audit_event PRIMARY KEY (id);


--
-- Name: bulk_operation pk_bulk_operation; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bulk_operation
    ADD CONSTRAINT pk_bulk_operation PRIMARY KEY (id);


--
-- Name: bulk_sftp_settings pk_bulk_sftp_settings; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bulk_sftp_settings
    ADD CONSTRAINT pk_bulk_sftp_settings PRIMARY KEY (id);


--
-- Name: ca_certificate pk_ca_certificate; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_certificate
    ADD CONSTRAINT pk_ca_certificate PRIMARY KEY (id);


--
-- Name: ca_issued pk_ca_issued; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_issued
    ADD CONSTRAINT pk_ca_issued PRIMARY KEY (id);


--
-- Name: ca_request pk_ca_request; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_request
    ADD CONSTRAINT pk_ca_request PRIMARY KEY (id);


--
-- Name: expiry_notice pk_expiry_notice; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.expiry_notice
    ADD CONSTRAINT pk_expiry_notice PRIMARY KEY (id);


--
-- Name: ipsec_policy pk_ipsec_policy; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ipsec_policy
    ADD CONSTRAINT pk_ipsec_policy PRIMARY KEY (id);


--
-- Name: job_lease pk_job_lease; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_lease
    ADD CONSTRAINT pk_job_lease PRIMARY KEY (name);


--
-- Name: node pk_node; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.node
    ADD CONSTRAINT pk_node PRIMARY KEY (id);


--
-- Name: outbox_message pk_outbox_message; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_message
    ADD CONSTRAINT pk_outbox_message PRIMARY KEY (id);


--
-- Name: private_key pk_private_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.private_key
    ADD CONSTRAINT pk_private_key PRIMARY KEY (id);


--
-- Name: probe_result pk_probe_result; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.probe_result
    ADD CONSTRAINT pk_probe_result PRIMARY KEY (id);


--
-- Name: probe_target pk_probe_target; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.probe_target
    ADD CONSTRAINT pk_probe_target PRIMARY KEY (id);


--
-- Name: purpose pk_purpose; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.purpose
    ADD CONSTRAINT pk_purpose PRIMARY KEY (name);


--
-- Name: revocation_status pk_revocation_status; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revocation_status
    ADD CONSTRAINT pk_revocation_status PRIMARY KEY (cert_key);


--
-- Name: secured_connection pk_secured_connection; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.secured_connection
    ADD CONSTRAINT pk_secured_connection PRIMARY KEY (id);


--
-- Name: setting pk_setting; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.setting
    ADD CONSTRAINT pk_setting PRIMARY KEY (name);


--
-- Name: store_entry pk_store_entry; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_entry
    ADD CONSTRAINT pk_store_entry PRIMARY KEY (id);


--
-- Name: trust_list_version pk_trust_list_version; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.trust_list_version
    ADD CONSTRAINT pk_trust_list_version PRIMARY KEY (version);


--
-- Name: account_allowlist uq_account_allowlist_network; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_allowlist
    ADD CONSTRAINT uq_account_allowlist_network UNIQUE (network);


--
-- Name: account_api_token uq_account_api_token_token_hash; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_api_token
    ADD CONSTRAINT uq_account_api_token_token_hash UNIQUE (token_hash);


--
-- Name: account_session uq_account_session_token_hash; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_session
    ADD CONSTRAINT uq_account_session_token_hash UNIQUE (token_hash);


--
-- Name: account_user uq_account_user_name; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_user
    ADD CONSTRAINT uq_account_user_name UNIQUE (name);


--
-- Name: agent_credential uq_agent_credential_fingerprint_sha256; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_credential
    ADD CONSTRAINT uq_agent_credential_fingerprint_sha256 UNIQUE (fingerprint_sha256);


--
-- Name: agent_enroll_token uq_agent_enroll_token_token_sha256; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_enroll_token
    ADD CONSTRAINT uq_agent_enroll_token_token_sha256 UNIQUE (token_sha256);


--
-- Name: alarm uq_alarm_name_object; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alarm
    ADD CONSTRAINT uq_alarm_name_object UNIQUE (name, object);


--
-- Name: audit_event uq_audit_event_hash; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event
    ADD CONSTRAINT uq_audit_event_hash UNIQUE (hash);


--
-- Name: ca_issued uq_ca_issued_serial; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_issued
    ADD CONSTRAINT uq_ca_issued_serial UNIQUE (serial);


--
-- Name: ca_request uq_ca_request_pending_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_request
    ADD CONSTRAINT uq_ca_request_pending_key UNIQUE (pending_key);


--
-- Name: expiry_notice uq_expiry_notice_cert_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.expiry_notice
    ADD CONSTRAINT uq_expiry_notice_cert_key UNIQUE (cert_key, period);


--
-- Name: ipsec_policy uq_ipsec_policy_name; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ipsec_policy
    ADD CONSTRAINT uq_ipsec_policy_name UNIQUE (name);


--
-- Name: node uq_node_fqdn; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.node
    ADD CONSTRAINT uq_node_fqdn UNIQUE (fqdn);


--
-- Name: node uq_node_name; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.node
    ADD CONSTRAINT uq_node_name UNIQUE (name);


--
-- Name: probe_target uq_probe_target_name; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.probe_target
    ADD CONSTRAINT uq_probe_target_name UNIQUE (name);


--
-- Name: secured_connection uq_secured_connection_name; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.secured_connection
    ADD CONSTRAINT uq_secured_connection_name UNIQUE (name);


--
-- Name: store_entry uq_store_entry_slot; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_entry
    ADD CONSTRAINT uq_store_entry_slot UNIQUE (slot);


--
-- Name: ix_account_api_token_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_account_api_token_user_id ON public.account_api_token USING btree (user_id);


--
-- Name: ix_account_password_history_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_account_password_history_user_id ON public.account_password_history USING btree (user_id);


--
-- Name: ix_account_session_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_account_session_user_id ON public.account_session USING btree (user_id);


--
-- Name: ix_agent_credential_node_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_agent_credential_node_id ON public.agent_credential USING btree (node_id);


--
-- Name: ix_alarm_last_seen; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_alarm_last_seen ON public.alarm USING btree (last_seen);


--
-- Name: ix_audit_event_action; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_event_action ON public.audit_event USING btree (action);


--
-- Name: ix_audit_event_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_event_at ON public.audit_event USING btree (at);


--
-- Name: ix_ca_issued_issuer_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ca_issued_issuer_status ON public.ca_issued USING btree (issuer_id, status);


--
-- Name: ix_ca_request_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ca_request_state ON public.ca_request USING btree (state);


--
-- Name: ix_expiry_notice_period; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_expiry_notice_period ON public.expiry_notice USING btree (period);


--
-- Name: ix_ipsec_policy_group_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ipsec_policy_group_name ON public.ipsec_policy USING btree (group_name);


--
-- Name: ix_outbox_message_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outbox_message_due ON public.outbox_message USING btree (status, next_attempt_at);


--
-- Name: ix_private_key_public_sha256; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_private_key_public_sha256 ON public.private_key USING btree (public_sha256);


--
-- Name: ix_probe_result_target_checked; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_probe_result_target_checked ON public.probe_result USING btree (target_id, checked_at);


--
-- Name: ix_store_entry_cn; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_store_entry_cn ON public.store_entry USING btree (common_name);


--
-- Name: ix_store_entry_fingerprint_sha256; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_store_entry_fingerprint_sha256 ON public.store_entry USING btree (fingerprint_sha256);


--
-- Name: ix_store_entry_node; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_store_entry_node ON public.store_entry USING btree (node_id);


--
-- Name: ix_store_entry_not_after; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_store_entry_not_after ON public.store_entry USING btree (not_after);


--
-- Name: ix_store_entry_purpose_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_store_entry_purpose_type ON public.store_entry USING btree (purpose, type);


--
-- Name: account_api_token fk_account_api_token_user_id_account_user; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_api_token
    ADD CONSTRAINT fk_account_api_token_user_id_account_user FOREIGN KEY (user_id) REFERENCES public.account_user(id) ON DELETE CASCADE;


--
-- Name: account_password_history fk_account_password_history_user_id_account_user; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_password_history
    ADD CONSTRAINT fk_account_password_history_user_id_account_user FOREIGN KEY (user_id) REFERENCES public.account_user(id) ON DELETE CASCADE;


--
-- Name: account_session fk_account_session_user_id_account_user; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_session
    ADD CONSTRAINT fk_account_session_user_id_account_user FOREIGN KEY (user_id) REFERENCES public.account_user(id) ON DELETE CASCADE;


--
-- Name: agent_credential fk_agent_credential_node_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_credential
    ADD CONSTRAINT fk_agent_credential_node_id FOREIGN KEY (node_id) REFERENCES public.node(id) ON DELETE CASCADE;


--
-- Name: agent_enroll_token fk_agent_enroll_token_node_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_enroll_token
    ADD CONSTRAINT fk_agent_enroll_token_node_id FOREIGN KEY (node_id) REFERENCES public.node(id) ON DELETE CASCADE;


--
-- Name: agent_status fk_agent_status_node_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_status
    ADD CONSTRAINT fk_agent_status_node_id FOREIGN KEY (node_id) REFERENCES public.node(id) ON DELETE CASCADE;


--
-- Name: ca_certificate fk_ca_certificate_parent_id_ca_certificate; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_certificate
    ADD CONSTRAINT fk_ca_certificate_parent_id_ca_certificate FOREIGN KEY (parent_id) REFERENCES public.ca_certificate(id);


--
-- Name: ca_certificate fk_ca_certificate_private_key_id_private_key; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_certificate
    ADD CONSTRAINT fk_ca_certificate_private_key_id_private_key FOREIGN KEY (private_key_id) REFERENCES public.private_key(id) ON DELETE RESTRICT;


--
-- Name: ca_issued fk_ca_issued_issuer_id_ca_certificate; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_issued
    ADD CONSTRAINT fk_ca_issued_issuer_id_ca_certificate FOREIGN KEY (issuer_id) REFERENCES public.ca_certificate(id);


--
-- Name: ca_issued fk_ca_issued_request_id_ca_request; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_issued
    ADD CONSTRAINT fk_ca_issued_request_id_ca_request FOREIGN KEY (request_id) REFERENCES public.ca_request(id);


--
-- Name: ca_request fk_ca_request_node_id_node; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ca_request
    ADD CONSTRAINT fk_ca_request_node_id_node FOREIGN KEY (node_id) REFERENCES public.node(id) ON DELETE SET NULL;


--
-- Name: probe_result fk_probe_result_target_id_probe_target; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.probe_result
    ADD CONSTRAINT fk_probe_result_target_id_probe_target FOREIGN KEY (target_id) REFERENCES public.probe_target(id) ON DELETE CASCADE;


--
-- Name: probe_target fk_probe_target_node_id_node; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.probe_target
    ADD CONSTRAINT fk_probe_target_node_id_node FOREIGN KEY (node_id) REFERENCES public.node(id) ON DELETE CASCADE;


--
-- Name: secured_connection fk_secured_connection_client_node_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.secured_connection
    ADD CONSTRAINT fk_secured_connection_client_node_id FOREIGN KEY (client_node_id) REFERENCES public.node(id) ON DELETE CASCADE;


--
-- Name: secured_connection fk_secured_connection_client_purpose_purpose; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.secured_connection
    ADD CONSTRAINT fk_secured_connection_client_purpose_purpose FOREIGN KEY (client_purpose) REFERENCES public.purpose(name);


--
-- Name: secured_connection fk_secured_connection_server_node_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.secured_connection
    ADD CONSTRAINT fk_secured_connection_server_node_id FOREIGN KEY (server_node_id) REFERENCES public.node(id) ON DELETE CASCADE;


--
-- Name: secured_connection fk_secured_connection_server_purpose_purpose; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.secured_connection
    ADD CONSTRAINT fk_secured_connection_server_purpose_purpose FOREIGN KEY (server_purpose) REFERENCES public.purpose(name);


--
-- Name: store_entry fk_store_entry_node_id_node; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_entry
    ADD CONSTRAINT fk_store_entry_node_id_node FOREIGN KEY (node_id) REFERENCES public.node(id) ON DELETE CASCADE;


--
-- Name: store_entry fk_store_entry_private_key_id_private_key; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_entry
    ADD CONSTRAINT fk_store_entry_private_key_id_private_key FOREIGN KEY (private_key_id) REFERENCES public.private_key(id) ON DELETE SET NULL;


--
-- Name: store_entry fk_store_entry_purpose_purpose; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_entry
    ADD CONSTRAINT fk_store_entry_purpose_purpose FOREIGN KEY (purpose) REFERENCES public.purpose(name);


--
-- Name: store_entry fk_store_entry_source_node_id_node; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_entry
    ADD CONSTRAINT fk_store_entry_source_node_id_node FOREIGN KEY (source_node_id) REFERENCES public.node(id) ON DELETE SET NULL;


--
-- PostgreSQL database dump complete
--


