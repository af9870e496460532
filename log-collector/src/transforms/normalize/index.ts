export { normalize, eventId, ECS_VERSION } from './normalize.js';
