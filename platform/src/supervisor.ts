import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

export interface ChildSpec {
  name: string;
  /** Module run with `node --import tsx`. */
  entry: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

interface Running {
  spec: ChildSpec;
  proc?: ChildProcess;
  restarts: number;
  ready: boolean;
}

/**
 * Runs each service as its own process (a crash or kill of one leaves the others up), restarts crashed
 * ones with backoff, and stops them all on shutdown. A child reports readiness with an IPC message.
 */
export class Supervisor {
  private readonly children = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly logger: Logger) {}

  start(spec: ChildSpec): Promise<void> {
    const running: Running = { spec, restarts: 0, ready: false };
    this.children.set(spec.name, running);
    return this.launch(running);
  }

  private launch(running: Running): Promise<void> {
    const { spec } = running;
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', spec.entry, ...(spec.args ?? [])], {
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      running.proc = proc;
      let settled = false;
      proc.on('message', (msg: { ready?: boolean; error?: string }) => {
        if (settled) return;
        settled = true;
        if (msg.ready) {
          running.ready = true;
          resolve();
        } else reject(new Error(`${spec.name}: ${msg.error ?? 'failed to start'}`));
      });
      proc.on('exit', (code, signal) => {
        running.ready = false;
        if (!settled) {
          settled = true;
          reject(new Error(`${spec.name} exited during start-up (code ${code}, signal ${signal})`));
          return;
        }
        if (this.stopping) return;
        running.restarts++;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(running.restarts, 6));
        this.logger.error({ child: spec.name, code, signal, restartInMs: delay }, 'service exited; restarting');
        setTimeout(() => {
          if (!this.stopping) this.launch(running).catch((e: unknown) => this.logger.error({ err: String(e) }, 'restart failed'));
        }, delay);
      });
    });
  }

  pid(name: string): number | undefined {
    return this.children.get(name)?.proc?.pid;
  }

  /** SIGTERM to every child (each flushes what it accepted), SIGKILL after the grace period. */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].reverse().map(
        (c) =>
          new Promise<void>((resolve) => {
            const proc = c.proc;
            if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
            const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
            proc.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            proc.kill('SIGTERM');
          }),
      ),
    );
  }
}
