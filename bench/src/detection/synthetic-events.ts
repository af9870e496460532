// Deterministic synthetic ECS event mix for detection benchmarks (flows, auth, process, web, RA audit, DNS, syslog).

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CMDS = [
  ['/usr/bin/ls', 'ls -la /var/www'],
  ['/usr/bin/curl', 'curl -s https://updates.example.org/check'],
  ['/usr/bin/python3', 'python3 /opt/app/worker.py --queue reports'],
  ['/usr/bin/systemctl', 'systemctl status nginx'],
  ['/usr/bin/bash', 'bash -c "tar czf /backup/etc.tgz /etc"'],
  ['/usr/sbin/sshd', 'sshd: zhangsan [priv]'],
  ['/usr/bin/grep', 'grep -r password /etc/app'],
  ['/usr/bin/find', 'find / -perm -4000 -type f'],
];
const PATHS = ['/index.html', '/api/report', '/static/app.js', '/login', '/news.php', '/download'];
const QUERIES = ['', 'id=5', 'q=flood+warning', 'page=2&sort=name', "id=1' or '1'='1", 'file=../../etc/passwd'];
const UAS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0', 'curl/8.5.0', 'sqlmap/1.7.2', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0'];
const RA_ACTIONS = ['request.submitted', 'request.approved', 'certificate.issued', 'certificate.revoked', 'user.login'];

export function syntheticEvents(n: number, seed = 42, t0 = Date.UTC(2026, 2, 1)): Record<string, unknown>[] {
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
  const ip = (p: string): string => `${p}.${Math.floor(r() * 256)}.${Math.floor(r() * 254) + 1}`;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const ts = new Date(t0 + i * 10).toISOString();
    const id = `ev-${seed}-${i}`;
    const k = r();
    let ev: Record<string, unknown>;
    if (k < 0.3) {
      ev = {
        event: { dataset: 'netflow.flow', category: ['network'], id },
        source: { ip: ip('10.20'), port: 30000 + Math.floor(r() * 30000), bytes: Math.floor(r() * 100000) },
        destination: { ip: r() < 0.7 ? ip('10.30') : ip('203.0'), port: pick([22, 53, 80, 443, 445, 3389, 8443, 9001]) },
        network: { transport: pick(['tcp', 'tcp', 'udp', 'icmp']), bytes: Math.floor(r() * 200000), packets: Math.floor(r() * 500) },
        tags: r() < 0.001 ? ['ioc_match'] : [],
      };
    } else if (k < 0.45) {
      const ok = r() < 0.7;
      ev = {
        event: { dataset: 'system.auth', category: ['authentication'], action: 'ssh_login', outcome: ok ? 'success' : 'failure', id },
        source: { ip: ip('203.0') },
        user: { name: pick(['root', 'zhangsan', 'lisi', 'admin', 'oracle']) },
        host: { name: 'srv-1', os: { type: 'linux' } },
        process: { name: 'sshd' },
        message: ok ? 'Accepted publickey for zhangsan from 10.0.0.1 port 50000 ssh2' : 'Failed password for invalid user admin from 203.0.113.9 port 4222 ssh2',
      };
    } else if (k < 0.6) {
      const [exe, cmd] = pick(CMDS);
      ev = {
        event: { category: ['process'], type: ['start'], id },
        host: { name: 'srv-2', os: { type: 'linux' } },
        process: { executable: exe, name: exe!.split('/').pop(), command_line: cmd, parent: { executable: '/usr/bin/bash' }, pid: 1000 + i },
        user: { name: pick(['root', 'www-data', 'zhangsan']) },
      };
    } else if (k < 0.75) {
      ev = {
        event: { category: ['web'], dataset: 'nginx.access', id },
        source: { ip: ip('198.51') },
        url: { path: pick(PATHS), query: pick(QUERIES), original: pick(PATHS), domain: 'yjglj.example.gov.cn' },
        http: { request: { method: pick(['GET', 'GET', 'POST']) }, response: { status_code: pick([200, 200, 200, 301, 404, 500]), bytes: Math.floor(r() * 50000) } },
        user_agent: { original: pick(UAS) },
      };
    } else if (k < 0.85) {
      ev = {
        event: { dataset: 'ra.audit', action: pick(RA_ACTIONS), outcome: 'success', id },
        user: { name: pick(['ra-officer-1', 'ra-officer-2', 'user-7']) },
        ra: { request: { id: `REQ-${i % 1000}`, requester: pick(['user-7', 'ra-officer-1']) } },
      };
    } else if (k < 0.9) {
      ev = {
        event: { category: ['network'], id },
        network: { protocol: 'dns' },
        source: { ip: ip('10.20') },
        dns: { question: { name: `host${Math.floor(r() * 1000)}.example.org`, type: 'A' } },
      };
    } else {
      ev = {
        event: { dataset: 'system.syslog', id },
        host: { name: 'srv-3', os: { type: 'linux' } },
        message: pick(['kernel: eth0 link up', 'systemd[1]: Started Daily apt upgrade', 'CRON[123]: (root) CMD (run-parts /etc/cron.hourly)']),
      };
    }
    ev['@timestamp'] = ts;
    out.push(ev);
  }
  return out;
}
