import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, one line per record. Secrets never reach the log: authorization headers,
 * tokens, passwords and private keys are redacted by path.
 */
export function createLogger(service: string, level = process.env.SOC_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.token',
        '*.password',
        '*.privateKey',
        'token',
        'password',
      ],
      censor: '[redacted]',
    },
  });
}
