import fs from 'node:fs';
import { z } from 'zod';
import { HttpError, parseWith } from '@emsoc/common/http';
import { actorOf, type ConsoleAudit } from '../audit/console-audit.js';
import type { RouteSpec } from '../routes/spec.js';
import type { BacktestJobs } from '../rules/backtest.js';
import type { RuleCatalog } from '../rules/catalog.js';
import { readRuleState, setRuleEnabled } from '@emsoc/detection';
import { timeBound, timeRange } from '../search/params.js';

const validateBody = z.object({ yaml: z.string().min(1).max(256 * 1024) }).strict();
const backtestBody = z.object({ from: timeBound, to: timeBound }).strict();
const RULE_ID = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/);

export interface RuleDeps {
  catalog: RuleCatalog;
  stateFile: string;
  jobs: BacktestJobs;
  audit: ConsoleAudit;
  now: () => number;
}

export function ruleRoutes(d: RuleDeps): RouteSpec[] {
  const ruleOf = (raw: unknown) => {
    const id = RULE_ID.safeParse(raw);
    const rule = id.success ? d.catalog.find(id.data) : undefined;
    if (!rule) throw new HttpError(404, 'no such rule');
    return rule;
  };
  const toggle = (enabled: boolean): RouteSpec => ({
    method: 'post',
    path: `/api/v1/rules/:id/${enabled ? 'enable' : 'disable'}`,
    access: ['rules:write'],
    tag: 'rules',
    summary: `${enabled ? 'Enables' : 'Disables'} a library rule (persisted in the data dir; the collector's detection stage reads it)`,
    handler: ({ req, res, principal }) => {
      const rule = ruleOf(req.params.id);
      const was = setRuleEnabled(d.stateFile, rule.id, enabled, principal.name, new Date(d.now()));
      d.audit.record({ eventType: enabled ? 'rule.enabled' : 'rule.disabled', objectType: 'rule', objectId: rule.id, outcome: 'success', actor: actorOf(req, res), details: { title: rule.title, wasEnabled: was } });
      return d.catalog.summary(rule, enabled);
    },
  });

  return [
    {
      method: 'get',
      path: '/api/v1/rules',
      access: ['rules:read'],
      tag: 'rules',
      summary: 'The rules library with each rule’s enabled state',
      handler: () => {
        const disabled = readRuleState(d.stateFile).disabled;
        return d.catalog.load().rules.map((r) => d.catalog.summary(r, !(r.id in disabled)));
      },
    },
    {
      method: 'get',
      path: '/api/v1/rules/:id',
      access: ['rules:read'],
      tag: 'rules',
      summary: 'One rule with the YAML text of its file',
      handler: ({ req }) => {
        const rule = ruleOf(req.params.id);
        return { ...d.catalog.summary(rule, !(rule.id in readRuleState(d.stateFile).disabled)), yaml: fs.readFileSync(rule.source, 'utf8') };
      },
    },
    toggle(true),
    toggle(false),
    {
      method: 'post',
      path: '/api/v1/rules/validate',
      access: ['rules:read'],
      tag: 'rules',
      summary: 'Checks a rule text as the engine would load it',
      body: validateBody,
      handler: ({ req }) => d.catalog.validate(parseWith(validateBody, req.body).yaml),
    },
    {
      method: 'post',
      path: '/api/v1/rules/:id/backtest',
      access: ['rules:read', 'events:read'],
      tag: 'rules',
      summary: 'Starts a backtest of a rule over stored events and flows; results are marked backtest and never become live alerts',
      body: backtestBody,
      status: 202,
      handler: ({ req, res, principal }) => {
        const rule = ruleOf(req.params.id);
        const b = parseWith(backtestBody, req.body);
        const range = timeRange(b.from, b.to, d.now());
        const job = d.jobs.start(d.catalog.withDependencies(rule.id), rule.id, principal.accountId, range);
        d.audit.record({ eventType: 'rule.backtest_started', objectType: 'rule', objectId: rule.id, outcome: 'success', actor: actorOf(req, res), details: { jobId: job.id, from: job.from, to: job.to } });
        return { jobId: job.id };
      },
    },
    {
      method: 'get',
      path: '/api/v1/jobs/:id',
      access: ['rules:read'],
      tag: 'rules',
      summary: 'Progress and results of a backtest job (its starter only)',
      handler: ({ req, principal }) => {
        const job = d.jobs.get(String(req.params.id));
        if (!job || job.owner !== principal.accountId) throw new HttpError(404, 'no such job');
        const { owner: _o, ...view } = job;
        return view;
      },
    },
  ];
}
