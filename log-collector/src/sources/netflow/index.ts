export { decodeFlowPacket } from './decode.js';
export { TemplateCache, domainKey, type TemplateCacheOptions, type TemplateCacheStats } from './template-cache.js';
export { toEcs, flowEventId, recordBytes } from './ecs.js';
export { IANA_ELEMENTS } from './elements.js';
export type * from './types.js';
