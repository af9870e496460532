export { parseQuery, QUERY_LIMITS } from './parser.js';
export { toSql, termSql, existsSql, jsonPath, type SqlFragment } from './to-sql.js';
export { toEs, termEs, esField } from './to-es.js';
export type { Node } from './ast.js';
