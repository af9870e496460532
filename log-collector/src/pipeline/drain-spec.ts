/**
 * How a sink worker builds its own SpoolDrain (functions cannot cross a thread boundary): plain data,
 * structured-clonable. The worker loads the enrichment tables and the detection rules itself.
 */
import type { Logger } from 'pino';
import { syslogDecoder } from '../sources/syslog/decode.js';
import { loadEnrichment } from '../transforms/index.js';
import { createDetectionStage, type DetectionStageOptions } from './detection-stage.js';
import { SpoolDrain } from './spool-drain.js';

export interface DrainSpec {
  /** Time zone of syslog timestamps without one. */
  timezone: string;
  /** Asset/IOC enrichment from this policies directory; none when absent. */
  enrichmentPoliciesDir?: string;
  /** The live detection stage (rules, hot reload) runs in the drain when given. */
  detection?: Omit<DetectionStageOptions, 'logger' | 'statusLookup'>;
}

export async function openSpoolDrain(spec: DrainSpec, logger: Logger): Promise<{ drain: SpoolDrain; close(): void }> {
  const enrichment = spec.enrichmentPoliciesDir ? await loadEnrichment(spec.enrichmentPoliciesDir) : undefined;
  for (const w of enrichment?.warnings ?? []) logger.warn(w);
  const detection = spec.detection ? createDetectionStage({ ...spec.detection, logger: logger.child({ component: 'detection' }) }) : undefined;
  return { drain: new SpoolDrain(syslogDecoder(enrichment, spec.timezone), detection?.stage), close: () => detection?.close() };
}
