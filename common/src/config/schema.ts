import { z } from 'zod';

/**
 * The platform's one configuration schema. Every service reads the same file and takes its section;
 * unknown keys are errors so a typo never silently falls back to a default.
 */
const port = z.number().int().min(1).max(65535);
const listener = (defaultPort: number) =>
  z.object({ enabled: z.boolean().default(true), port: port.default(defaultPort) }).strict().prefault({});

const storeSchema = z.discriminatedUnion('engine', [
  z.object({ engine: z.literal('sqlite'), path: z.string().optional() }).strict(),
  z
    .object({
      engine: z.enum(['elasticsearch', 'opensearch', 'auto']),
      urls: z.array(z.url()).min(1),
      auth: z
        .union([
          z.object({ username: z.string(), password: z.string() }).strict(),
          z.object({ apiKey: z.string() }).strict(),
        ])
        .optional(),
      tls: z.object({ caFile: z.string().optional(), rejectUnauthorized: z.boolean().default(true) }).strict().optional(),
      indexPrefix: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).default('emsoc'),
    })
    .strict(),
]);

/**
 * Uplink (reports to the superior unit, and/or reception from registered lower units). Sender when
 * `upper` is set; receiver when `receiver.enabled`. Schedules and selections live in policies/uplink.yaml.
 */
const uplinkSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** HTTPS (mTLS): POST /api/v1/uplink/reports (receiver) and the reports views. */
    port: port.default(8447),
    /** Default policies/uplink.yaml. */
    policyFile: z.string().optional(),
    /** The superior unit's uplink listener and the CA that certifies it. */
    upper: z.object({ url: z.url(), caFile: z.string() }).strict().optional(),
    /** Unit certificate issued by the RA; default: bootstrapped from the embedded dev CA under <dataDir>/uplink/. */
    certificate: z.object({ certFile: z.string(), keyFile: z.string(), chainFile: z.string().optional() }).strict().optional(),
    retry: z
      .object({ initialMs: z.number().int().min(10).default(1000), maxMs: z.number().int().min(10).default(60_000), batchSize: z.number().int().min(1).max(500).default(50) })
      .strict()
      .prefault({}),
    receiver: z
      .object({
        enabled: z.boolean().default(false),
        /** CA certificates (PEM files) whose units may report to us; our own CA is always trusted. */
        trustedCaFiles: z.array(z.string()).default([]),
        /** Registered lower units, in addition to those in the policy file. */
        units: z
          .array(z.object({ id: z.string().min(1), name: z.string().optional(), fingerprints: z.array(z.string()).optional() }).strict())
          .default([]),
        /** Cache lifetime of fetched CRLs when they give no nextUpdate sooner. */
        crlCacheSeconds: z.number().int().min(0).default(300),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export const platformConfigSchema = z
  .object({
    /** Where every store, key and spool lives. */
    dataDir: z.string().default('./data'),
    /** Address every listener binds to; loopback unless configured. */
    bind: z.string().default('127.0.0.1'),
    /** Host name or address that other parties use to reach us (certificate SANs, CRL/OCSP URLs). */
    publicHost: z.string().default('127.0.0.1'),
    timezone: z.string().default('Asia/Shanghai'),
    /** This unit in the hierarchy ministry → province → city → county (see policies/org-units.yaml). */
    unit: z.object({ id: z.string().default('prov-demo'), name: z.string().default('示范省应急管理厅') }).strict().prefault({}),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') }).strict().prefault({}),
    store: storeSchema.prefault({ engine: 'sqlite' }),
    collector: z
      .object({
        syslogUdp: listener(5514),
        syslogTcp: listener(5514),
        syslogTls: z
          .object({ enabled: z.boolean().default(true), port: port.default(6514), requireClientCert: z.boolean().default(false) })
          .strict()
          .prefault({}),
        netflow: listener(2055),
        sflow: listener(6343),
        /** HTTPS: JSON/NDJSON ingest, /metrics, /healthz. */
        http: listener(8445),
        /** Fluent Forward over TLS; client certificates from our RA may be required. */
        forward: z
          .object({ enabled: z.boolean().default(true), port: port.default(24224), requireClientCert: z.boolean().default(false) })
          .strict()
          .prefault({}),
        maxFrameBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
        spool: z.object({ maxBytes: z.number().int().min(1024 * 1024).default(1024 * 1024 * 1024) }).strict().prefault({}),
        detection: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
    ra: z
      .object({
        /** HTTPS REST API (mTLS optional, tokens). */
        port: port.default(8444),
        /** Plain HTTP for CRL, OCSP and CMP: signed objects, fetched by relying parties without TLS. */
        statusPort: port.default(8446),
        database: z
          .discriminatedUnion('engine', [
            z.object({ engine: z.literal('sqlite'), path: z.string().optional() }).strict(),
            z.object({ engine: z.literal('postgres'), url: z.string() }).strict(),
          ])
          .prefault({ engine: 'sqlite' }),
        ca: z
          .object({ connector: z.enum(['embedded', 'cmp', 'cfssl']).default('embedded') })
          .passthrough()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    console: z
      .object({
        port: port.default(8443),
        sessionIdleMinutes: z.number().int().min(1).default(30),
        sessionAbsoluteHours: z.number().int().min(1).default(12),
      })
      .strict()
      .prefault({}),
    uplink: uplinkSchema,
  })
  .strict();

export type PlatformConfig = z.infer<typeof platformConfigSchema>;
