export * from './curve.js';
export * from './za.js';
export * from './sign.js';
export * from './keys.js';
export * from './signer.js';
