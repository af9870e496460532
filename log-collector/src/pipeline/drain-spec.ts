/**
 * How a sink worker builds its own SpoolDrain (functions cannot cross a thread boundary): plain data,
 * structured-clonable. The worker loads the enrichment tables and the detection rules itself, and builds
 * the certificate-status view the `certstatus` rules ask from the RA's CRLs.
 */
import type { Logger } from 'pino';
import { syslogDecoder } from '../sources/syslog/decode.js';
import { loadEnrichment } from '../transforms/index.js';
import { pemOfExistingFiles, platformCaFiles } from '@emsoc/pki';
import { createCrlStatusView, type CrlStatusView } from './crl-status-view.js';
import { createDetectionStage, type DetectionStageOptions } from './detection-stage.js';
import { SpoolDrain } from './spool-drain.js';

export interface CertificateStatusSpec {
  /** Full CRLs of the RA's status service, one per CA (e.g. http://127.0.0.1:8446/crl/root.crl). */
  crlUrls: string[];
  /** Files with the CA certificates the CRLs must verify with; default `<dataDir>/ca/root.pem` and `ca-sm2/root.pem`. */
  caPemFiles?: string[];
  refreshMs?: number;
}

export interface DrainSpec {
  /** Time zone of syslog timestamps without one. */
  timezone: string;
  /** Asset/IOC enrichment from this policies directory; none when absent. */
  enrichmentPoliciesDir?: string;
  /** The live detection stage (rules, hot reload) runs in the drain when given. */
  detection?: Omit<DetectionStageOptions, 'logger' | 'statusLookup'> & {
    /** Answers for the `certstatus` modifier; without it those rules never match. */
    certificateStatus?: CertificateStatusSpec;
  };
}

export async function openSpoolDrain(spec: DrainSpec, logger: Logger): Promise<{ drain: SpoolDrain; close(): void }> {
  const enrichment = spec.enrichmentPoliciesDir ? await loadEnrichment(spec.enrichmentPoliciesDir) : undefined;
  for (const w of enrichment?.warnings ?? []) logger.warn(w);
  let view: CrlStatusView | undefined;
  let detection: ReturnType<typeof createDetectionStage> | undefined;
  if (spec.detection) {
    const { certificateStatus: cs, ...options } = spec.detection;
    if (cs?.crlUrls.length) {
      // The CA files are re-read on each fetch: the SM2 root appears once the RA has an SM2 profile.
      view = createCrlStatusView({ crlUrls: cs.crlUrls, caCertificatePem: () => pemOfExistingFiles(cs.caPemFiles ?? platformCaFiles(options.dataDir)), refreshMs: cs.refreshMs, logger: logger.child({ component: 'crl-status' }) });
      // A backlog drained at start-up is checked against the CRLs too (bounded by the fetch timeout; failures are not fatal).
      await view.ready;
    }
    detection = createDetectionStage({ ...options, logger: logger.child({ component: 'detection' }), ...(view ? { statusLookup: view.lookup } : {}) });
  }
  return {
    drain: new SpoolDrain(syslogDecoder(enrichment, spec.timezone), detection?.stage),
    close: () => {
      detection?.close();
      view?.close();
    },
  };
}
