/** Shared hash-chained audit trail: chain rules, signed checkpoints, verification, SQLite storage, ECS form. */
export * from './chain.js';
export * from './checkpoint.js';
export * from './verify.js';
export * from './sqlite-trail.js';
export * from './ecs.js';
export * from './mirrored-trail.js';
