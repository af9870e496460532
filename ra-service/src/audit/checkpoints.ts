import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RaRepository } from '../store/repository.js';
import { signCheckpoint, verifyChain, type VerifyReport } from './chain.js';

/**
 * The RA's audit signing key (ECDSA P-256), created at first start in `<dataDir>/ra/` (key mode 0600).
 * Checkpoints signed with it pin the chain: rewriting history needs this key, not just database access.
 */
export function loadAuditKey(dataDir: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const dir = path.join(dataDir, 'ra');
  const keyFile = path.join(dir, 'audit-signing-key.pem');
  const pubFile = path.join(dir, 'audit-signing-pub.pem');
  if (!fs.existsSync(keyFile)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600, flag: 'wx' });
    fs.writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o644 });
  }
  const privateKey = createPrivateKey(fs.readFileSync(keyFile, 'utf8'));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Signs a checkpoint of the chain head every `everyRecords` records or `everyMs` when there is news. */
export class Checkpointer {
  private lastSeq = 0;
  private pending = 0;
  private running: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly repo: RaRepository,
    private readonly key: KeyObject,
    private readonly logger: Logger,
    private readonly everyRecords = 100,
    everyMs = 60_000,
  ) {
    repo.onAudit((records) => {
      this.pending += records.length;
      if (this.pending >= this.everyRecords) void this.checkpoint();
    });
    this.timer = setInterval(() => void this.checkpoint(), everyMs);
    this.timer.unref();
  }

  async init(): Promise<void> {
    const cps = await this.repo.checkpoints();
    this.lastSeq = cps.at(-1)?.seq ?? 0;
  }

  /** Signs the current head if it moved since the last checkpoint. */
  checkpoint(): Promise<void> {
    this.running ??= (async () => {
      try {
        const head = await this.repo.auditHead();
        if (head.seq <= this.lastSeq) return;
        const cp = signCheckpoint(this.key, head.seq, head.hash, new Date().toISOString());
        await this.repo.tx(async (w) => w.addCheckpoint(cp));
        this.lastSeq = head.seq;
        this.pending = 0;
      } catch (e) {
        this.logger.error({ err: e }, 'audit checkpoint failed');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.checkpoint();
  }
}

/** Re-walks the whole stored chain and every checkpoint. */
export async function verifyAuditTrail(repo: RaRepository, publicKey: KeyObject): Promise<VerifyReport> {
  return verifyChain(repo.allAudit(), await repo.checkpoints(), publicKey);
}
