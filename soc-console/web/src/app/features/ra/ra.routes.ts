import type { Routes } from '@angular/router';

export const RA_ROUTES: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'requests' },
  { path: 'requests', loadComponent: () => import('./request-queue.component').then((m) => m.RequestQueueComponent) },
  { path: 'certificates', loadComponent: () => import('./certificate-search.component').then((m) => m.CertificateSearchComponent) },
  { path: 'certificates/:serial', loadComponent: () => import('./certificate-detail.component').then((m) => m.CertificateDetailComponent) },
];
