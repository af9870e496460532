import express, { type Router } from 'express';
import type { EcsDocument } from '@emsoc/event-store/contract';
import { stableId } from '@emsoc/common/ecs';
import { HttpError, requirePermission, route } from '@emsoc/common/http';
import { counter } from '@emsoc/common/metrics';
import type { EventPipeline } from '../../pipeline/event-pipeline.js';
import { deadLetter } from '../../pipeline/deadletter.js';
import { sourceMetrics } from '../../pipeline/metrics.js';

const received = counter('emsoc_collector_http_documents_total', 'Documents received over the HTTP ingest, by outcome', ['outcome']);

/** Adds what every stored document needs: a timestamp and a deterministic id. */
export function completeDocument(input: Record<string, unknown>, receivedAt: Date): EcsDocument {
  const doc = { ...input } as EcsDocument;
  const ts = typeof doc['@timestamp'] === 'string' && !Number.isNaN(Date.parse(doc['@timestamp'])) ? doc['@timestamp'] : receivedAt.toISOString();
  doc['@timestamp'] = new Date(ts).toISOString();
  const event = (typeof doc.event === 'object' && doc.event !== null ? { ...(doc.event as object) } : {}) as Record<string, unknown>;
  if (typeof event.id !== 'string' || event.id.length === 0 || event.id.length > 200) event.id = stableId('http', JSON.stringify(input));
  event.ingested = receivedAt.toISOString();
  event.kind ??= 'event';
  doc.event = event;
  return doc;
}

/**
 * Turns an ingest body (NDJSON text, or a parsed JSON object/array) into documents. A line that is not a
 * JSON object is kept raw in the dead-letter dataset and reported back with its line number.
 */
export function parseIngestBody(body: unknown, receivedAt: Date): { docs: EcsDocument[]; errors: Array<{ line: number; error: string }> } {
  const docs: EcsDocument[] = [];
  const errors: Array<{ line: number; error: string }> = [];
  const take = (value: unknown, line: number, raw: string) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ line, error: 'not a JSON object' });
      docs.push(deadLetter('http', raw, 'not a JSON object', receivedAt));
      return;
    }
    docs.push(completeDocument(value as Record<string, unknown>, receivedAt));
  };
  if (typeof body === 'string') {
    const lines = body.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        take(JSON.parse(line), i + 1, line);
      } catch (e) {
        errors.push({ line: i + 1, error: `invalid JSON: ${(e as Error).message}` });
        docs.push(deadLetter('http', line, `invalid JSON: ${(e as Error).message}`, receivedAt));
      }
    });
  } else if (Array.isArray(body)) {
    body.forEach((v, i) => take(v, i + 1, JSON.stringify(v)));
  } else if (body && typeof body === 'object') {
    take(body, 1, JSON.stringify(body));
  } else {
    throw new HttpError(400, 'send JSON (object or array) or NDJSON with a matching Content-Type');
  }
  return { docs, errors };
}

/**
 * HTTP ingest of JSON documents: one object, an array, or NDJSON (one per line). A line that is not a
 * JSON object is kept raw in the dead-letter dataset and reported back with its line number.
 */
export function ingestRouter(pipeline: EventPipeline): Router {
  const router = express.Router();
  router.post(
    '/api/v1/ingest',
    requirePermission('ingest:write'),
    express.text({ type: ['application/x-ndjson', 'application/ndjson', 'text/plain'], limit: '10mb' }),
    route(async (req, res) => {
      const receivedAt = new Date();
      const { docs, errors } = parseIngestBody(req.body, receivedAt);
      if (!pipeline.submit('http', docs)) {
        // Nothing was taken; the sender keeps the data and retries.
        sourceMetrics('http').dropped.inc(docs.length);
        res.setHeader('Retry-After', '5');
        throw new HttpError(503, 'collector spool is full; retry later');
      }
      received.inc({ outcome: 'accepted' }, docs.length - errors.length);
      received.inc({ outcome: 'malformed' }, errors.length);
      const m = sourceMetrics('http');
      m.received.inc(docs.length);
      m.parsed.inc(docs.length - errors.length);
      m.malformed.inc(errors.length);
      res.status(errors.length ? 207 : 202).json({ accepted: docs.length - errors.length, rejected: errors });
    }),
  );
  return router;
}
