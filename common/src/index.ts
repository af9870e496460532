export * from './paths.js';
export * from './ecs.js';
export * from './log.js';
export * from './metrics.js';
export * from './tls.js';
export * from './config/index.js';
export * from './auth/index.js';
export * from './http/index.js';
