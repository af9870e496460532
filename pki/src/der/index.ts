export * from './writer.js';
export * from './reader.js';
export * from './oid.js';
export * from './pem.js';
