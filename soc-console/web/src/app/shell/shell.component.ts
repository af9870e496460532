import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthState } from '../core/auth/auth-state.service';
import { SessionService } from '../core/auth/session.service';
import { visibleNav } from '../core/auth/landing';
import { TranslatePipe } from '../core/i18n/translate.pipe';
import { LanguageToggleComponent } from './language-toggle.component';
import { TimeSettingsService } from '../core/time/time-settings.service';

/** Signed-in frame: skip link, menu of what this user may open, language and time zone, sign-out. */
@Component({
  selector: 'soc-shell',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, TranslatePipe, LanguageToggleComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a class="skip-link" href="#main" (click)="skip($event)">{{ 'common.skip' | t }}</a>
    <header class="topbar">
      <span class="brand">{{ 'app.title' | t }}</span>
      <nav [attr.aria-label]="'nav.label' | t">
        <ul class="nav">
          @for (n of nav(); track n.path) {
            <li><a [routerLink]="n.path" routerLinkActive="active" ariaCurrentWhenActive="page">{{ n.label | t }}</a></li>
          }
        </ul>
      </nav>
      <div class="topbar__right">
        <label class="sr-only" for="tz">{{ 'common.timeZone' | t }}</label>
        <select id="tz" [value]="timeZone()" (change)="setZone($event)">
          <option value="Asia/Shanghai">{{ 'common.beijingTime' | t }}</option>
          <option value="UTC">UTC</option>
        </select>
        <soc-language-toggle />
        <span class="user" data-testid="current-user">{{ user()?.displayName || user()?.name }}</span>
        <a routerLink="/account/totp" routerLinkActive="active" data-testid="account-security">{{ 'totp.menu' | t }}</a>
        <button type="button" (click)="logout()" data-testid="logout">{{ 'common.logout' | t }}</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
      <router-outlet />
    </main>
  `,
})
export class ShellComponent {
  private readonly auth = inject(AuthState);
  private readonly session = inject(SessionService);
  private readonly router = inject(Router);
  private readonly time = inject(TimeSettingsService);
  protected readonly user = this.auth.user;
  protected readonly nav = computed(() => visibleNav(this.auth.permissions()));
  protected readonly timeZone = this.time.timeZone;

  protected skip(e: Event): void {
    // Fragment links would change the route; move focus to the main region instead.
    e.preventDefault();
    document.getElementById('main')?.focus();
  }

  protected setZone(e: Event): void {
    this.time.timeZone.set((e.target as HTMLSelectElement).value);
  }

  protected async logout(): Promise<void> {
    await this.session.logout().catch(() => undefined);
    await this.router.navigate(['/login']);
  }
}
