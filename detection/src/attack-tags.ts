// ATT&CK tags per the Sigma tags appendix: attack.tNNNN[.NNN] techniques, attack.<tactic_name> tactics,
// attack.gNNNN groups, attack.sNNNN software.

const TACTICS = new Set([
  'reconnaissance', 'resource_development', 'initial_access', 'execution', 'persistence', 'privilege_escalation',
  'defense_evasion', 'credential_access', 'discovery', 'lateral_movement', 'collection', 'command_and_control',
  'exfiltration', 'impact',
]);

export interface AttackInfo {
  tactics: string[];
  techniques: string[];
  groups: string[];
  software: string[];
}

export function parseAttackTags(tags: string[]): AttackInfo {
  const out: AttackInfo = { tactics: [], techniques: [], groups: [], software: [] };
  for (const tag of tags) {
    const m = /^attack\.(.+)$/i.exec(tag);
    if (!m) continue;
    const v = m[1]!.toLowerCase().replace(/-/g, '_');
    if (/^t\d{4}(\.\d{3})?$/.test(v)) out.techniques.push(v.toUpperCase());
    else if (/^g\d{4}$/.test(v)) out.groups.push(v.toUpperCase());
    else if (/^s\d{4}$/.test(v)) out.software.push(v.toUpperCase());
    else if (TACTICS.has(v)) out.tactics.push(v);
  }
  return out;
}
