export * from './context.js';
export * from './run.js';
