/**
 * CSR intake off the event loop: parsing, proof-of-possession verification and key checks (about
 * 0.6 ms of CPU per request) run in worker threads, so the event loop — which owns the HTTP
 * connections, the single database writer and the audit chain — only waits for the answer. Results
 * and refusals are exactly those of `parseCsr`; if no worker can run, parsing happens inline.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CsrError, parseCsr, type ParsedCsr } from './csr.js';

type Reply = { id: number; ok: true; csr: ParsedCsr } | { id: number; ok: false; csrError: boolean; message: string };

interface Job {
  input: string | Uint8Array;
  resolve: (c: ParsedCsr) => void;
  reject: (e: Error) => void;
}

/**
 * Workers do not inherit the tsx loader that runs this TypeScript: the worker registers it first,
 * then loads csr-worker.ts (plain import when tsx is not installed, e.g. compiled code).
 */
function bootCode(): string {
  const target = new URL('./csr-worker.ts', import.meta.url).href;
  let tsxApi: string | undefined;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    tsxApi = undefined;
  }
  return tsxApi
    ? `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`
    : `import(${JSON.stringify(target)})`;
}

class CsrWorkerPool {
  private readonly workers: Array<{ worker: Worker; jobs: Map<number, Job>; answered: boolean }> = [];
  private nextId = 1;
  private nextWorker = 0;
  private broken = false;

  constructor(private readonly size: number) {}

  parse(input: string | Uint8Array): Promise<ParsedCsr> {
    const slot = this.slot();
    if (!slot) return Promise.resolve().then(() => parseCsr(input));
    const id = this.nextId++;
    return new Promise<ParsedCsr>((resolve, reject) => {
      if (slot.jobs.size === 0) slot.worker.ref(); // a worker with work keeps the process alive
      slot.jobs.set(id, { input, resolve, reject });
      slot.worker.postMessage({ id, input });
    });
  }

  private slot() {
    if (this.broken) return undefined;
    while (this.workers.length < this.size) {
      try {
        this.workers.push(this.spawn());
      } catch {
        this.broken = true;
        return undefined;
      }
    }
    // Least loaded, round robin among equals.
    let best = this.workers[this.nextWorker++ % this.workers.length]!;
    for (const w of this.workers) if (w.jobs.size < best.jobs.size) best = w;
    return best;
  }

  warm(): void {
    this.slot();
  }

  /** Workers that have answered at least once (0 means parsing runs inline). */
  get working(): number {
    return this.workers.filter((w) => w.answered).length;
  }

  private spawn() {
    const worker = new Worker(bootCode(), { eval: true });
    const entry = { worker, jobs: new Map<number, Job>(), answered: false };
    worker.on('message', (m: Reply) => {
      entry.answered = true;
      const job = entry.jobs.get(m.id);
      if (!job) return;
      entry.jobs.delete(m.id);
      if (entry.jobs.size === 0) worker.unref();
      if (m.ok) job.resolve(m.csr);
      else job.reject(m.csrError ? new CsrError(m.message) : new Error(m.message));
    });
    const fail = (e: Error) => {
      const i = this.workers.indexOf(entry);
      if (i >= 0) this.workers.splice(i, 1); // replaced on the next request
      // A worker that never answered could not start (no TypeScript loader, resource limits): parse
      // inline from now on. One that died while working refuses its jobs rather than retrying them here.
      if (!entry.answered) this.broken = true;
      for (const job of entry.jobs.values()) {
        if (entry.answered) job.reject(new Error(`CSR worker stopped: ${e.message}`));
        else Promise.resolve().then(() => parseCsr(job.input)).then(job.resolve, job.reject);
      }
      entry.jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    // Idle workers never keep the process alive (after the listeners: adding one re-refs the port).
    worker.unref();
    return entry;
  }
}

// Two workers at most: the machine's other cores serve the event loop, signatures and the database.
const pool = new CsrWorkerPool(Math.max(1, Math.min(2, os.availableParallelism() - 1)));

/** `parseCsr` in a worker thread (same result, same CsrError refusals). */
export function parseCsrOffThread(input: string | Uint8Array): Promise<ParsedCsr> {
  return pool.parse(input);
}

/** Starts the workers ahead of the first request (loading the TypeScript loader takes a moment). */
export function startCsrWorkers(): void {
  pool.warm();
}

/** How many CSR workers are up and answering (for health checks and tests). */
export function csrWorkersAnswering(): number {
  return pool.working;
}
