/** Worker side of csr-pool.ts: parses one CSR per message and answers with the result or the refusal. */
import { parentPort } from 'node:worker_threads';
import { CsrError, parseCsr } from './csr.js';

parentPort!.on('message', ({ id, input }: { id: number; input: string | Uint8Array }) => {
  try {
    parentPort!.postMessage({ id, ok: true, csr: parseCsr(input) });
  } catch (e) {
    parentPort!.postMessage({ id, ok: false, csrError: e instanceof CsrError, message: (e as Error).message });
  }
});
