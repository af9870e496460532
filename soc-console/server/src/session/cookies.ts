import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'emsoc_session';

/** Value of one cookie from the Cookie header (first occurrence), without decoding surprises. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Secure, HttpOnly, SameSite=Strict, Path=/; no Max-Age: the server decides expiry, the browser forgets at exit. */
export function setSessionCookie(res: Response, id: string): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Strict`);
}

export function clearSessionCookie(res: Response): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`);
}
