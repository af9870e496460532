/**
 * One schema for both engines; only the binary column type differs. Timestamps are ISO-8601 UTC text
 * (sortable, identical on both engines). The audit table has no UPDATE/DELETE path in the code; the
 * hash chain and signed checkpoints detect edits made behind the service's back.
 */
export function schemaSql(dialect: 'sqlite' | 'postgres'): string {
  const bytes = dialect === 'sqlite' ? 'BLOB' : 'BYTEA';
  return `
CREATE TABLE IF NOT EXISTS subjects (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, org_unit TEXT NOT NULL, status TEXT NOT NULL,
  attributes TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS subjects_unit ON subjects(org_unit);

CREATE TABLE IF NOT EXISTS requests (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, profile TEXT, subject_id TEXT REFERENCES subjects(id),
  serial TEXT, csr ${bytes}, public_key ${bytes}, san TEXT NOT NULL, revocation_reason TEXT, approvals_required INTEGER NOT NULL,
  requester_id TEXT NOT NULL, requester_name TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  reason TEXT, result_serial TEXT);
CREATE INDEX IF NOT EXISTS requests_status ON requests(status, created_at);
CREATE INDEX IF NOT EXISTS requests_requester ON requests(requester_id, created_at);

CREATE TABLE IF NOT EXISTS approvals (
  request_id TEXT NOT NULL REFERENCES requests(id), officer_id TEXT NOT NULL, officer_name TEXT NOT NULL,
  at TEXT NOT NULL, comment TEXT, source_ip TEXT, PRIMARY KEY (request_id, officer_id));

CREATE TABLE IF NOT EXISTS transitions (
  request_id TEXT NOT NULL REFERENCES requests(id), idx INTEGER NOT NULL, from_status TEXT, to_status TEXT NOT NULL,
  actor TEXT NOT NULL, at TEXT NOT NULL, source_ip TEXT, reason TEXT, PRIMARY KEY (request_id, idx));

CREATE TABLE IF NOT EXISTS certificates (
  serial TEXT PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id), subject_id TEXT, profile TEXT NOT NULL,
  status TEXT NOT NULL, subject_dn TEXT NOT NULL, not_before TEXT NOT NULL, not_after TEXT NOT NULL,
  spki_sha256 TEXT NOT NULL, der ${bytes}, issued_at TEXT, revoked_at TEXT, revocation_reason TEXT,
  requester_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS certificates_spki ON certificates(spki_sha256);
CREATE INDEX IF NOT EXISTS certificates_subject ON certificates(subject_id);
CREATE INDEX IF NOT EXISTS certificates_status ON certificates(status);

-- Public keys that may never be certified again (compromised or found weak).
CREATE TABLE IF NOT EXISTS blocked_keys (spki_sha256 TEXT PRIMARY KEY, reason TEXT NOT NULL, at TEXT NOT NULL);

-- Server-generated private keys, only ever stored encrypted (PKCS#8 PBES2/AES-256) until picked up once.
CREATE TABLE IF NOT EXISTS key_escrow (request_id TEXT PRIMARY KEY REFERENCES requests(id), encrypted_key ${bytes} NOT NULL, created_at TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS audit (
  seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor_id TEXT NOT NULL, actor_name TEXT NOT NULL, actor_roles TEXT NOT NULL,
  source_ip TEXT, event_type TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT NOT NULL, outcome TEXT NOT NULL,
  details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, at TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL);
-- Dual certificates: the KMC-generated encryption key of a signing certificate, sealed (AES-256-GCM under
-- the KMC master key) for recovery, and enveloped for the subject's signing key for delivery.
CREATE TABLE IF NOT EXISTS kmc_keys (enc_serial TEXT PRIMARY KEY, sign_serial TEXT NOT NULL UNIQUE, sealed_key ${bytes} NOT NULL,
  envelope ${bytes} NOT NULL, created_at TEXT NOT NULL);
-- Monotonic CRL numbers per published CRL (RFC 5280 §5.2.3).
CREATE TABLE IF NOT EXISTS crl_numbers (name TEXT PRIMARY KEY, number BIGINT NOT NULL);
-- Durable cursors of consumers of the audit trail (the log-pipeline forwarder).
CREATE TABLE IF NOT EXISTS audit_cursors (name TEXT PRIMARY KEY, seq BIGINT NOT NULL, updated_at TEXT NOT NULL);
`;
}
