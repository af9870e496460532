import express, { type Express } from 'express';
import type { EmbeddedCa } from '../ca/embedded.js';

/**
 * Plain-HTTP status listener for relying parties: the full CRL and the CA certificate (AIA).
 * Signed objects only, no credentials, so TLS is not needed (and would create a chicken-and-egg
 * problem for clients checking the TLS certificate's own revocation status).
 */
export function buildStatusApp(ca: EmbeddedCa): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get(`/crl/${ca.crlName}.crl`, async (_req, res, next) => {
    try {
      const der = await ca.crl();
      res.setHeader('Content-Type', 'application/pkix-crl');
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.send(Buffer.from(der));
    } catch (e) {
      next(e);
    }
  });
  app.get(`/ca/${ca.crlName}.crt`, (_req, res) => {
    res.setHeader('Content-Type', 'application/pkix-cert');
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.send(Buffer.from(ca.chain()[0]!));
  });
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', service: 'ra-status' }));
  app.use((_req, res) => void res.status(404).type('text/plain').send('not found\n'));
  return app;
}
