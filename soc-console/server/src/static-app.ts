import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type Response } from 'express';

/** The app's CSP: its own scripts, styles and API only; no inline code, no framing, no foreign origins. */
export const APP_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Angular output names: `main-ABCD1234.js`, `styles-XYZ.css`, `chunk-....js` carry a content hash. */
const HASHED = /[.-][A-Z0-9]{8,}\.(?:js|css|woff2?|ttf|svg|png|jpg|webp|ico)$/i;

/**
 * Serves the built web app (soc-console/web/dist/browser) at `/`: hashed assets are cached for a year,
 * everything else (index.html) is revalidated; unknown non-API paths get index.html (client routing).
 * API answers keep the stricter API CSP set by createApp.
 */
export function mountStaticApp(app: Express, dir: string): boolean {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) return false;
  const appHeaders = (res: Response) => {
    res.setHeader('Content-Security-Policy', APP_CSP);
  };
  app.use(
    express.static(dir, {
      index: 'index.html',
      dotfiles: 'ignore',
      redirect: false,
      setHeaders: (res, file) => {
        appHeaders(res as Response);
        res.setHeader('Cache-Control', HASHED.test(path.basename(file)) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  app.get(/^(?!\/api\/|\/healthz$|\/metrics$).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    appHeaders(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return true;
}
