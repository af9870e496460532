// bench: library — the syslog-parse benchmark's line templates, shared with the parse-golden check.
/**
 * Mixed RFC 3164/5424 lines (sshd, sudo, iptables, nginx, Cisco ASA, FortiGate, Junos, auditd, an unknown
 * app); `TEMPLATES[k](i)` varies addresses and numbers with `i` so no parse result is cached.
 */
export function ip(i: number): string {
  return `10.99.${(i >> 8) & 255}.${i & 255}`;
}

export const TEMPLATES: Array<(i: number) => string> = [
  (i) => `<38>Nov 29 09:00:${String(i % 60).padStart(2, '0')} bastion sshd[${1000 + (i % 5000)}]: Failed password for invalid user u${i % 97} from ${ip(i)} port ${30000 + (i % 30000)} ssh2`,
  (i) => `<38>Nov 29 09:00:01 bastion sshd[811]: Accepted publickey for ops${i % 7} from ${ip(i)} port ${40000 + (i % 20000)} ssh2: ED25519 SHA256:abcdef${i}`,
  (i) => `<85>Nov 29 10:00:00 app${i % 9} sudo:   alice : TTY=pts/${i % 5} ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart svc${i % 13}`,
  (i) => `<4>Nov 29 10:00:00 fw kernel: [${i}.123] DROP-IN IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.${i & 255} DST=${ip(i)} LEN=60 TTL=50 ID=${i & 65535} DF PROTO=TCP SPT=${1024 + (i % 60000)} DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0`,
  (i) => `<190>Nov 29 10:00:00 web nginx: ${ip(i)} - - [29/Nov/2026:18:00:00 +0800] "GET /api/v1/items/${i}?q=${i % 31} HTTP/1.1" ${i % 10 ? 200 : 404} ${i % 9000} "-" "Mozilla/5.0 (X11; Linux x86_64)"`,
  (i) => `<166>Nov 29 2026 10:00:00 asa1 : %ASA-6-302013: Built outbound TCP connection ${i} for outside:203.0.113.${i & 255}/443 (203.0.113.${i & 255}/443) to inside:${ip(i)}/${1024 + (i % 60000)} (${ip(i)}/${1024 + (i % 60000)})`,
  (i) => `<189>date=2026-11-29 time=10:00:00 devname=fw01 devid=FG800D0123456789 logid=0000000013 type=traffic subtype=forward level=notice vd=root srcip=${ip(i)} srcport=${1024 + (i % 60000)} srcintf="port1" dstip=198.51.100.${i & 255} dstport=443 dstintf="port3" sessionid=${i} proto=6 action=close policyid=34 service="HTTPS" duration=${i % 300} sentbyte=${i % 100000} rcvdbyte=${i % 70000}`,
  (i) => `<14>1 2026-11-29T10:00:00.${String(i % 1000).padStart(3, '0')}+08:00 srx1 RT_FLOW - RT_FLOW_SESSION_DENY [junos@2636.1.1.1.2.39 source-address="${ip(i)}" source-port="${1024 + (i % 60000)}" destination-address="198.51.100.${i & 255}" destination-port="22" protocol-id="6" policy-name="deny-ssh"] session denied`,
  (i) => `<13>Nov 29 10:00:00 h audispd: type=USER_LOGIN msg=audit(1764410400.${i % 1000}:${i}): pid=${i % 9999} uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=${ip(i)} terminal=ssh res=failed'`,
  (i) => `<30>Nov 29 10:00:00 node${i % 50} systemd[1]: Started Session ${i} of user app.`,
];
