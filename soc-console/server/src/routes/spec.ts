import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Principal } from '@emsoc/common/auth';
import type { Session } from '../session/store.js';

export interface RouteContext {
  req: Request;
  res: Response;
  /** Present on every route that is not public. */
  principal: Principal;
  session: Session | undefined;
}

/**
 * One console API operation. Its access rule is part of its definition: the router enforces it, the
 * OpenAPI document is generated from it and the role × endpoint test matrix is derived from it.
 */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path, e.g. `/api/v1/incidents/:id`. */
  path: string;
  /** 'public': no credentials; 'authenticated': any signed-in caller; otherwise every listed permission. */
  access: 'public' | 'authenticated' | string[];
  summary: string;
  tag: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Success media types other than JSON (downloads, streams). */
  produces?: string[];
  status?: number;
  note?: string;
  /** Also open to an enrolment-only session (password accepted, TOTP not enrolled yet). */
  duringEnrolment?: boolean;
  /** Returns the JSON body, or undefined when it wrote the response itself. */
  handler: (ctx: RouteContext) => Promise<unknown> | unknown;
}
