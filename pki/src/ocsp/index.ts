export * from './types.js';
export * from './request.js';
export * from './response.js';
export * from './issuer.js';
export * from './cache.js';
export * from './responder.js';
export * from './http.js';
