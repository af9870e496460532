/** @emsoc/event-store: the EventStore contract, its two engines, the bulk writer and retention. */
export * from './contract.js';
export { SqliteEventStore, type SqliteStoreOptions } from './sqlite/store.js';
export { SearchEngineEventStore, type SearchEngineStoreOptions, type EngineKind } from './search-engine/store.js';
export { EngineError, type EngineAuth } from './search-engine/http.js';
export { BulkWriter, WriterClosedError, type BulkWriterOptions, type BulkWriterStats, type BulkWriterEvent } from './bulk/writer.js';
export { loadRetentionPolicy, parseRetentionPolicy, RetentionPolicyError, LEGAL_MINIMUM_DAYS, type RetentionPolicy } from './retention/policy.js';
export { startRetention, type RetentionJob, type RetentionAuditEvent } from './retention/job.js';
export { parseQuery, QUERY_LIMITS } from './query/index.js';
export { FIELDS, fieldType, type FieldType } from './schema/fields.js';
export { RequestError } from './request.js';
export { openEventStore, type EventStoreConfig } from './factory.js';
