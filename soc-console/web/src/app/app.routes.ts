import type { Routes } from '@angular/router';
import { authGuard, landingGuard, permissionGuard } from './core/auth/guards';
import { ShellComponent } from './shell/shell.component';

/** Every feature is a lazy chunk behind a functional guard naming the permissions it needs. */
export const routes: Routes = [
  { path: 'login', title: 'EMSOC', loadComponent: () => import('./features/login/login.component').then((m) => m.LoginComponent) },
  {
    path: '',
    component: ShellComponent,
    canActivate: [authGuard],
    children: [
      { path: '', pathMatch: 'full', canActivate: [landingGuard], children: [] },
      {
        path: 'overview',
        canMatch: [permissionGuard('events:read', 'health:read')],
        loadComponent: () => import('./features/overview/overview.component').then((m) => m.OverviewComponent),
      },
      {
        path: 'search',
        canMatch: [permissionGuard('events:read', 'audit:read')],
        loadComponent: () => import('./features/search/search.component').then((m) => m.SearchComponent),
      },
      {
        path: 'flows',
        canMatch: [permissionGuard('flows:read')],
        loadComponent: () => import('./features/flows/flows.component').then((m) => m.FlowsComponent),
      },
      {
        path: 'incidents',
        canMatch: [permissionGuard('incidents:read', 'alerts:read')],
        loadChildren: () => import('./features/incidents/incidents.routes').then((m) => m.INCIDENT_ROUTES),
      },
      {
        path: 'rules',
        canMatch: [permissionGuard('rules:read')],
        loadChildren: () => import('./features/rules/rules.routes').then((m) => m.RULE_ROUTES),
      },
      {
        path: 'ra',
        canMatch: [permissionGuard('ra.requests:read', 'ra.certificates:read')],
        loadChildren: () => import('./features/ra/ra.routes').then((m) => m.RA_ROUTES),
      },
      {
        path: 'audit',
        canMatch: [permissionGuard('audit:read')],
        loadComponent: () => import('./features/audit/audit.component').then((m) => m.AuditComponent),
      },
      {
        path: 'reports',
        canMatch: [permissionGuard('reports:read')],
        loadComponent: () => import('./features/reports/reports.component').then((m) => m.ReportsComponent),
      },
      {
        // Any signed-in user (no permission needed): an enrolment-only session has none.
        path: 'account/totp',
        loadComponent: () => import('./features/account/totp-enrolment.component').then((m) => m.TotpEnrolmentComponent),
      },
      { path: 'forbidden', loadComponent: () => import('./shell/status-page.component').then((m) => m.ForbiddenComponent) },
      { path: '**', loadComponent: () => import('./shell/status-page.component').then((m) => m.NotFoundComponent) },
    ],
  },
];
