import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processSyslog } from '../../src/transforms/index.js';

const ctx = { receivedAt: Date.parse('2026-11-29T10:00:00Z'), sourceAddress: '10.99.10.1' };
const p = (line: string) => processSyslog(line, ctx);

test('sshd: accepted / failed / invalid user / max attempts / disconnect', () => {
  const ok = p('<38>Nov 29 09:00:01 bastion sshd[811]: Accepted publickey for ops from 10.99.64.5 port 52144 ssh2: ED25519 SHA256:abc');
  assert.deepEqual([ok.event.category, ok.event.outcome, ok.event.action], [['authentication'], 'success', 'accepted-publickey']);
  assert.deepEqual([ok.user.name, ok.source.ip, ok.source.port], ['ops', '10.99.64.5', 52144]);
  assert.equal(ok.event.dataset, 'system.auth');
  assert.equal(ok.event.module, 'system');
  const bad = p('Nov 29 09:00:02 bastion sshd[812]: Failed password for invalid user admin from 2001:db8::7 port 4022 ssh2');
  assert.deepEqual([bad.event.outcome, bad.user.name, bad.source.ip, bad.system.auth.ssh.invalid_user], ['failure', 'admin', '2001:db8::7', true]);
  const inv = p('Nov 29 09:00:03 bastion sshd[813]: Invalid user oracle from 192.0.2.66 port 40000');
  assert.deepEqual([inv.event.action, inv.user.name, inv.source.ip, inv.source.port], ['invalid-user', 'oracle', '192.0.2.66', 40000]);
  const max = p('Nov 29 09:00:04 bastion sshd[814]: error: maximum authentication attempts exceeded for root from 192.0.2.66 port 40001 ssh2 [preauth]');
  assert.deepEqual([max.event.outcome, max.user.name, max.system.auth.ssh.preauth], ['failure', 'root', true]);
  const rep = p('Dec 10 07:28:03 LabSZ sshd[24245]: message repeated 5 times: [ Failed password for root from 112.95.230.3 port 49966 ssh2]');
  assert.deepEqual([rep.event.outcome, rep.user.name, rep.source.ip, rep.system.auth.repeated], ['failure', 'root', '112.95.230.3', 5]);
  const pam = p('Dec 10 06:55:48 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186  user=root');
  assert.deepEqual([pam.event.outcome, pam.user.name, pam.source.ip], ['failure', 'root', '173.234.31.186']);
  assert.deepEqual(pam.related.ip, ['173.234.31.186']);
});

test('sudo success and failures; su; useradd; logind', () => {
  const s = p('Nov 29 10:00:00 h sudo:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx');
  assert.deepEqual([s.user.name, s.user.effective.name, s.process.command_line, s.event.outcome], ['alice', 'root', '/usr/bin/systemctl restart nginx', 'success']);
  assert.deepEqual(s.related.user, ['alice', 'root']);
  const f = p('Nov 29 10:00:00 h sudo:   bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh');
  assert.deepEqual([f.event.action, f.event.outcome, f.event.category], ['sudo-not-in-sudoers', 'failure', ['authentication']]);
  const su = p("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
  assert.deepEqual([su.user.name, su.user.effective.name, su.event.outcome], ['lonvick', 'root', 'failure']);
  const ua = p('Nov 29 10:00:00 h useradd[99]: new user: name=backdoor, UID=0, GID=0, home=/root, shell=/bin/bash');
  assert.deepEqual([ua.event.category, ua.event.type, ua.user.target.name, ua.user.target.id], [['iam'], ['user', 'creation'], 'backdoor', '0']);
  const li = p('Nov 29 10:00:00 h systemd-logind[1]: New session 42 of user alice.');
  assert.deepEqual([li.event.category, li.event.type, li.user.name], [['session'], ['start'], 'alice']);
});

test('auditd with hex-encoded values and nested msg', () => {
  const a = p('Nov 29 10:00:00 h audispd: type=USER_LOGIN msg=audit(1764410400.123:5391): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'op=login acct=726F6F74 exe="/usr/sbin/sshd" hostname=? addr=192.0.2.66 terminal=ssh res=failed\'');
  assert.equal(a.auditd.message_type, 'user_login');
  assert.equal(a.auditd.sequence, 5391);
  assert.equal(a.user.name, 'root');
  assert.equal(a.source.ip, '192.0.2.66');
  assert.equal(a.event.outcome, 'failure');
  assert.equal(a.process.executable, '/usr/sbin/sshd');
  const e = p('type=EXECVE msg=audit(1764410400.5:77): argc=2 a0="ls" a1=2D6C61');
  assert.equal(e.process.command_line, 'ls -la');
});

test('iptables LOG, nginx combined access log', () => {
  const n = p('Nov 29 10:00:00 fw kernel: [123.456] DROP-IN IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.66 DST=10.99.10.17 LEN=60 TTL=50 ID=1 DF PROTO=TCP SPT=51515 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0');
  assert.deepEqual([n.event.action, n.event.type, n.source.ip, n.destination.port, n.network.transport], ['DROP-IN', ['connection', 'denied'], '192.0.2.66', 22, 'tcp']);
  assert.equal(n.observer.ingress.interface.name, 'eth0');
  const w = p('<190>Nov 29 10:00:00 web nginx: 198.51.100.7 - - [29/Nov/2026:18:00:00 +0800] "GET /login?next=/ HTTP/1.1" 404 153 "-" "curl/8.5"');
  assert.deepEqual([w.event.dataset, w.http.request.method, w.url.original, w.http.response.status_code, w.http.response.body.bytes, w.user_agent.original, w.source.ip, w.event.outcome],
    ['nginx.access', 'GET', '/login?next=/', 404, 153, 'curl/8.5', '198.51.100.7', 'failure']);
});

test('network vendors: ASA, IOS, Junos, FortiGate, Huawei, PAN-OS', () => {
  const asa = p('<166>Nov 29 2026 10:00:00 asa1 : %ASA-6-302013: Built outbound TCP connection 123 for outside:203.0.113.9/443 (203.0.113.9/443) to inside:10.99.64.10/51000 (10.99.64.10/51000)');
  assert.deepEqual([asa.event.dataset, asa.event.code, asa.source.ip, asa.destination.ip, asa.destination.port], ['cisco.asa', '302013', '10.99.64.10', '203.0.113.9', 443]);
  const deny = p('%ASA-4-106023: Deny tcp src outside:192.0.2.66/2143 dst inside:10.99.10.17/139 by access-group "outside_in"');
  assert.deepEqual([deny.event.outcome, deny.source.ip, deny.cisco.asa.rule_name], ['failure', '192.0.2.66', 'outside_in']);
  const ios = p('<189>30: test-ztp: May 23 13:56:15.055: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.31.0.24)');
  assert.deepEqual([ios.event.dataset, ios.event.code, ios.user.name, ios.source.ip], ['cisco.ios', 'SYS-5-CONFIG_I', 'admin', '10.31.0.24']);
  const jn = p('<14>Dec 13 13:12:00 srx-firewall RT_FLOW: RT_FLOW_SESSION_CREATE: session created 172.16.0.1/23456->8.8.8.8/443 junos-https 172.16.0.2/12345->8.8.8.8/443 source rule LAN');
  assert.deepEqual([jn.event.dataset, jn.event.code, jn.source.ip, jn.destination.port], ['juniper.srx', 'RT_FLOW_SESSION_CREATE', '172.16.0.1', 443]);
  const fg = p('<189>date=2019-04-09 time=04:27:29 devname=fw01 devid=FG800D0123456789 logid=0000000013 type=traffic subtype=forward level=notice vd=root srcip=1.1.1.1 srcport=19982 dstip=10.10.10.10 dstport=179 proto=6 action=deny policyid=34');
  assert.deepEqual([fg.event.dataset, fg.host.hostname, fg.source.ip, fg.network.transport, fg.event.outcome], ['fortinet.firewall', 'fw01', '1.1.1.1', 'tcp', 'failure']);
  const hw = p('<187>Nov 29 2026 10:00:00 sw1 %%01SHELL/5/LOGIN(s):The user succeeded in logging in to VTY0. (UserType=SSH, UserName=admin, AuthenticationMethod="Password", Ip=10.99.64.9, VpnName=)');
  assert.deepEqual([hw.event.dataset, hw.event.code, hw.user.name, hw.source.ip, hw.event.outcome], ['huawei.vrp', 'SHELL/5/LOGIN', 'admin', '10.99.64.9', 'success']);
  const pan = p('<14>Nov 29 10:00:00 pa1 1,2026/11/29 10:00:00,012801000001,TRAFFIC,drop,2305,2026/11/29 10:00:00,192.0.2.66,10.99.10.17,0.0.0.0,0.0.0.0,deny-all,,,not-applicable,vsys1,untrust,trust,ethernet1/1,,default,2026/11/29 10:00:00,0,1,51515,22,0,0,0x0,tcp,deny');
  assert.deepEqual([pan.event.dataset, pan.source.ip, pan.destination.port, pan.event.outcome, pan.rule.name], ['panw.panos', '192.0.2.66', 22, 'failure', 'deny-all']);
});

test('mail, DNS, proxy, FTP and CEF', () => {
  const pf = p('May  8 08:26:55 mail postfix/smtpd[22055]: NOQUEUE: reject: RCPT from unknown[192.0.2.66]:47407: 554 5.7.1 <x@example.org>: Relay access denied; from=<a@example.net> to=<x@example.org> proto=ESMTP helo=<h>');
  assert.deepEqual([pf.event.dataset, pf.source.ip, pf.event.outcome, pf.email.to.address[0]], ['postfix.log', '192.0.2.66', 'failure', 'x@example.org']);
  const dv = p('Dec 19 06:21:06 ny dovecot: imap-login: Disconnected (auth failed, 7 attempts in 111 secs): user=<thousands>, method=PLAIN, rip=109.201.200.201, lip=67.205.141.203');
  assert.deepEqual([dv.event.dataset, dv.user.name, dv.source.ip, dv.event.outcome], ['dovecot.log', 'thousands', '109.201.200.201', 'failure']);
  const dns = p('Aug 29 15:33:13 ns3 named[464]: client 217.148.39.3#1036: query (cache) denied');
  assert.deepEqual([dns.event.dataset, dns.source.ip, dns.source.port, dns.event.outcome], ['bind.log', '217.148.39.3', 1036, 'failure']);
  const sq = p('1140701230.827    781 192.168.1.210 TCP_DENIED/407 1785 GET http://www.ossec.net oahmet NONE/- text/html');
  assert.deepEqual([sq.event.dataset, sq.http.response.status_code, sq.user.name, sq.url.original], ['squid.access', 407, 'oahmet', 'http://www.ossec.net']);
  const cef = p('<134>Sep 19 13:35:00 bigip ASM:CEF:0|F5|ASM|11.3.0|200021069|SQL-INJ exec()|5|dvchost=bigip dvc=172.16.73.34 src=192.0.2.66 spt=1234 dst=10.99.20.5 dpt=443 act=blocked request=/a?b=1 cs1=pol cs1Label=policy_name');
  assert.deepEqual([cef.event.dataset, cef.event.code, cef.source.ip, cef.destination.port, cef.event.outcome, cef.cef.labels.policy_name], ['f5.bigip', '200021069', '192.0.2.66', 443, 'failure', 'pol']);
});

test('header-less lines take @timestamp from the body (configured zone, year-less resolved)', () => {
  assert.equal(p('[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok')['@timestamp'], '2005-12-03T20:47:44.000Z');
  assert.equal(p('2014/12/30 06:07:37 [error] 80#2: *1 open() failed, client: 192.0.2.1')['@timestamp'], '2014-12-29T22:07:37.000Z');
  assert.equal(p('[10.30 16:49:06] chrome.exe - example.org:443 open through proxy p.example:5070 HTTPS')['@timestamp'], '2026-10-30T08:49:06.000Z');
  const fg = p('date=2019-05-13 time=11:45:04 logid="0000000013" type="traffic" subtype="forward" devid=FG tz="+0200" srcip=192.0.2.1');
  assert.equal(fg['@timestamp'], '2019-05-13T09:45:04.000Z');
  const withHeader = p('<189>Nov 29 10:00:00 fw date=2019-05-13 time=11:45:04 devid=FG logid=1 type=traffic');
  assert.equal(withHeader['@timestamp'], '2026-11-29T02:00:00.000Z', 'a header timestamp wins');
});

test('unknown messages are still normalised; parser output never throws', () => {
  const ev = p('<13>Nov 29 10:00:00 h someapp[1]: hello world');
  assert.equal(ev.event.dataset, 'system.syslog');
  assert.equal(ev.event.kind, 'event');
  assert.match(ev.event.id, /^[0-9a-f]{64}$/);
  assert.equal(ev.log.level, 'notice');
});
