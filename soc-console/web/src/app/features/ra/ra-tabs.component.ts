import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink, RouterLinkActive } from '@angular/router';
import { TranslatePipe } from '../../core/i18n/translate.pipe';

@Component({
  selector: 'soc-ra-tabs',
  imports: [RouterLink, RouterLinkActive, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <nav class="subnav" [attr.aria-label]="'nav.ra' | t">
      <a routerLink="/ra/requests" routerLinkActive="active" ariaCurrentWhenActive="page">{{ 'ra.requests' | t }}</a>
      <a routerLink="/ra/certificates" routerLinkActive="active" ariaCurrentWhenActive="page">{{ 'ra.certificates' | t }}</a>
    </nav>
  `,
})
export class RaTabsComponent {}
