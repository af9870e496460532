import type { Logger } from 'pino';

/**
 * Runs a service process: starts it, tells a supervising parent it is ready (IPC), and on SIGINT/SIGTERM
 * closes it (flushing what was accepted) before exiting. Start-up errors exit non-zero with the reason.
 */
export async function runService(name: string, logger: Logger, start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  let service: { close(): Promise<void> };
  try {
    service = await start();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    logger.fatal({ err: message }, `${name} failed to start`);
    process.send?.({ error: message });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
    return;
  }
  process.send?.({ ready: true });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, `${name} shutting down`);
    service
      .close()
      .catch((e: unknown) => logger.error({ err: String(e) }, 'error during shutdown'))
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('disconnect', () => shutdown('parent gone'));
}
