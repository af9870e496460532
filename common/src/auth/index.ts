export * from './identity-store.js';
export * from './password.js';
export * from './roles.js';
