import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives at <root>/common/src/paths.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Policies (data, not code): certificate profiles, roles, retention, assets. */
export const policiesDir = process.env.SOC_POLICIES_DIR ?? path.join(repoRoot, 'policies');

/** Correlation rules library. */
export const rulesDir = process.env.SOC_RULES_DIR ?? path.join(repoRoot, 'rules');

/** Third-party test data laid beside the checkout; absent on most production hosts. */
export const sharedDataDir = process.env.SOC_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
