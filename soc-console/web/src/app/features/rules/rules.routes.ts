import type { Routes } from '@angular/router';

export const RULE_ROUTES: Routes = [
  { path: '', loadComponent: () => import('./rule-list.component').then((m) => m.RuleListComponent) },
  { path: ':id', loadComponent: () => import('./rule-detail.component').then((m) => m.RuleDetailComponent) },
];
