import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { httpResource } from '@angular/common/http';
import { Router, RouterLink } from '@angular/router';
import { API, errorText, queryString } from '../../core/api/api';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { InstantPipe } from '../../core/format/instant.pipe';
import { CERT_STATUSES, type RaCertificate } from './ra.api';
import { RaTabsComponent } from './ra-tabs.component';

/** Certificates by status, narrowed by subject DN, serial or profile text; or straight to a serial. */
@Component({
  selector: 'soc-certificate-search',
  imports: [FormsModule, RouterLink, TranslatePipe, InstantPipe, RaTabsComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <h1>{{ 'nav.ra' | t }}</h1>
      <soc-ra-tabs />
      <div class="toolbar">
        <label for="cs">{{ 'ra.status' | t }}</label>
        <select id="cs" [(ngModel)]="status">
          <option value="">{{ 'common.all' | t }}</option>
          @for (s of statuses; track s) { <option [value]="s">{{ 'ra.certStatus.' + s | t }}</option> }
        </select>
        <label for="ct">{{ 'ra.searchText' | t }}</label>
        <input id="ct" [(ngModel)]="text" data-testid="cert-filter" />
        <form class="inline-form" (ngSubmit)="go()">
          <label for="serial">{{ 'ra.serial' | t }}</label>
          <input id="serial" name="serial" class="mono" [(ngModel)]="serial" pattern="[0-9a-fA-F:]+" />
          <button type="submit" [disabled]="!serial().trim()">{{ 'common.open' | t }}</button>
        </form>
      </div>
      @if (res.error(); as e) { <p class="error" role="alert" data-testid="ra-load-error">{{ 'common.loadFailed' | t }}: {{ errorOf(e) }}</p> }
      <table class="table" data-testid="cert-table">
        <caption class="sr-only">{{ 'ra.certificates' | t }}</caption>
        <thead><tr><th scope="col">{{ 'ra.serial' | t }}</th><th scope="col">{{ 'ra.subject' | t }}</th><th scope="col">{{ 'ra.profile' | t }}</th><th scope="col">{{ 'ra.notAfter' | t }}</th><th scope="col">{{ 'ra.status' | t }}</th></tr></thead>
        <tbody>
          @for (c of filtered(); track c.serial) {
            <tr>
              <td><a class="mono small" [routerLink]="[c.serial]">{{ c.serial }}</a></td>
              <td class="small">{{ c.subjectDn }}</td>
              <td>{{ c.profile }}</td>
              <td class="nowrap">{{ c.notAfter | instant }}</td>
              <td><span [class]="'badge cert-' + c.status">{{ 'ra.certStatus.' + c.status | t }}</span></td>
            </tr>
          } @empty { <tr><td colspan="5" class="muted">{{ res.isLoading() ? ('common.loading' | t) : ('common.none' | t) }}</td></tr> }
        </tbody>
      </table>
    </section>
  `,
})
export class CertificateSearchComponent {
  private readonly router = inject(Router);
  protected readonly errorOf = errorText;
  protected readonly statuses = CERT_STATUSES;
  protected readonly status = signal('');
  protected readonly text = signal('');
  protected readonly serial = signal('');
  protected readonly res = httpResource<{ items: RaCertificate[] }>(() => `${API}ra/certificates?${queryString({ status: this.status(), limit: 1000 })}`);
  protected readonly filtered = computed(() => {
    const all = this.res.hasValue() ? this.res.value().items : [];
    const t = this.text().trim().toLowerCase();
    return t ? all.filter((c) => [c.serial, c.subjectDn, c.profile].some((x) => x.toLowerCase().includes(t))) : all;
  });

  protected go(): void {
    void this.router.navigate(['/ra/certificates', this.serial().trim().toLowerCase().replace(/:/g, '')]);
  }
}
