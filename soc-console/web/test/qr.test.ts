import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { qrMatrix, qrPath, reedSolomon } from '../src/app/shared/qr/qr.js';

const ZBAR = '/usr/bin/zbarimg';

/** Plain PBM (P1) of the matrix with a 4-module quiet zone, each module `scale` pixels. */
function pbm(m: boolean[][], scale = 4): string {
  const n = (m.length + 8) * scale;
  const rows: string[] = [];
  for (let y = 0; y < n; y++) {
    const r = Math.floor(y / scale) - 4;
    let line = '';
    for (let x = 0; x < n; x++) {
      const c = Math.floor(x / scale) - 4;
      line += m[r]?.[c] ? '1' : '0';
    }
    rows.push(line);
  }
  return `P1\n${n} ${n}\n${rows.join('\n')}\n`;
}

test('Reed-Solomon check codewords of the ISO/IEC 18004 annex example (1-M "01234567")', () => {
  const data = [0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11];
  assert.deepEqual(reedSolomon(data, 10), [0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55]);
});

test('matrices decode back to the text with zbarimg (versions 1 to 10, ASCII and UTF-8)', (t) => {
  if (!fs.existsSync(ZBAR)) return t.skip(`zbarimg not found at ${ZBAR} (apt-get install zbar-tools)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emsoc-qr-'));
  try {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const texts = [
      'EMSOC',
      `otpauth://totp/EMSOC%20prov-demo:e2e-analyst?secret=${secret}&issuer=EMSOC%20prov-demo&algorithm=SHA1&digits=6&period=30`,
      `otpauth://totp/${encodeURIComponent('应急管理厅')}:${encodeURIComponent('值班员')}?secret=${secret}&issuer=${encodeURIComponent('应急管理厅')}`,
      'x'.repeat(150),
      'y'.repeat(213),
    ];
    const sizes = new Set<number>();
    for (const [i, text] of texts.entries()) {
      const m = qrMatrix(text);
      sizes.add(m.length);
      const file = path.join(dir, `q${i}.pbm`);
      fs.writeFileSync(file, pbm(m));
      const out = execFileSync(ZBAR, ['--raw', '-q', '-Sbinary', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8').replace(/\n$/, '');
      assert.equal(out, text, `text ${i} (${m.length}×${m.length})`);
    }
    assert.ok([...sizes].some((s) => s >= 45), 'a version ≥ 7 (version information) was exercised');
    assert.ok(sizes.has(57), 'version 10 was exercised');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('too long a text is refused; the SVG path draws one square per dark module inside the quiet zone', () => {
  assert.throws(() => qrMatrix('z'.repeat(214)), /too long/);
  const m = qrMatrix('EMSOC');
  assert.equal(m.length, 21);
  const squares = qrPath(m).match(/M\d+,\d+h1v1h-1z/g)!;
  assert.equal(squares.length, m.flat().filter(Boolean).length);
  assert.ok(qrPath(m).startsWith('M4,4'), 'top-left finder starts after the 4-module quiet zone');
});
