import type { Routes } from '@angular/router';

export const INCIDENT_ROUTES: Routes = [
  { path: '', loadComponent: () => import('./incident-queue.component').then((m) => m.IncidentQueueComponent) },
  { path: ':id', loadComponent: () => import('./incident-detail.component').then((m) => m.IncidentDetailComponent) },
];
