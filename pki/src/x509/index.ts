export * from './oids.js';
export * from './name.js';
export * from './general-name.js';
export * from './extensions.js';
export * from './certificate.js';
export * from './profiles.js';
