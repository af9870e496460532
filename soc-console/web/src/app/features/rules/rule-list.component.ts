import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { httpResource } from '@angular/common/http';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { API, errorText } from '../../core/api/api';
import { AuthState } from '../../core/auth/auth-state.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { TranslationService } from '../../core/i18n/translation.service';
import { RulesApi, type RuleSummary } from './rules.api';

/** Rule library: filter, enable/disable (rules:write), and a validator for a pasted rule. */
@Component({
  selector: 'soc-rule-list',
  imports: [FormsModule, RouterLink, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="page">
      <h1>{{ 'nav.rules' | t }}</h1>
      <div class="toolbar">
        <label for="rf">{{ 'common.filter' | t }}</label>
        <input id="rf" [(ngModel)]="filter" data-testid="rule-filter" />
        <span class="muted small">{{ 'common.total' | t: { n: filtered().length } }}</span>
      </div>
      @if (error()) { <p class="error" role="alert">{{ error() }}</p> }
      <table class="table" data-testid="rule-table">
        <caption class="sr-only">{{ 'nav.rules' | t }}</caption>
        <thead><tr><th scope="col">{{ 'rules.title' | t }}</th><th scope="col">{{ 'rules.level' | t }}</th><th scope="col">{{ 'rules.tags' | t }}</th><th scope="col">{{ 'rules.enabled' | t }}</th></tr></thead>
        <tbody>
          @for (r of filtered(); track r.id) {
            <tr>
              <td><a [routerLink]="[r.id]">{{ r.title }}</a><div class="muted small">{{ describe(r) }}</div></td>
              <td><span [class]="'badge sev-' + r.level">{{ 'severity.' + r.level | t }}</span></td>
              <td class="small">{{ (r.tags ?? []).join(', ') }}</td>
              <td>
                @if (canWrite()) {
                  <label class="inline"><input type="checkbox" [checked]="r.enabled" (change)="setEnabled(r, $event)" [attr.aria-label]="('rules.enabled' | t) + ': ' + r.title" /></label>
                } @else { {{ (r.enabled ? 'common.yes' : 'common.no') | t }} }
              </td>
            </tr>
          } @empty { <tr><td colspan="4" class="muted">{{ rules.isLoading() ? ('common.loading' | t) : ('common.none' | t) }}</td></tr> }
        </tbody>
      </table>
      <section class="card">
        <h2>{{ 'rules.validate' | t }}</h2>
        <form (ngSubmit)="validate()">
          <label for="yaml">{{ 'rules.pasteYaml' | t }}</label>
          <textarea id="yaml" name="yaml" class="mono" rows="10" spellcheck="false" [(ngModel)]="yaml" data-testid="rule-yaml"></textarea>
          <button type="submit" [disabled]="!yaml().trim()" data-testid="rule-validate">{{ 'rules.validateButton' | t }}</button>
        </form>
        @if (validation(); as v) {
          @if (v.ok) { <p class="ok" role="status" data-testid="validate-result">✓ {{ 'rules.valid' | t }}</p> }
          @else {
            <ul class="error" role="alert" data-testid="validate-result">
              @for (e of v.errors; track $index) { <li>{{ e }}</li> }
            </ul>
          }
        }
      </section>
    </section>
  `,
})
export class RuleListComponent {
  private readonly api = inject(RulesApi);
  private readonly auth = inject(AuthState);
  private readonly i18n = inject(TranslationService);
  protected readonly rules = httpResource<RuleSummary[]>(() => `${API}rules`);
  protected readonly filter = signal('');
  protected readonly yaml = signal('');
  protected readonly validation = signal<{ ok: boolean; errors: string[] } | null>(null);
  protected readonly error = signal('');
  protected readonly canWrite = computed(() => this.auth.permissions().has('rules:write'));
  protected readonly filtered = computed(() => {
    const list = this.rules.hasValue() ? this.rules.value() : [];
    const f = this.filter().trim().toLowerCase();
    if (!f) return list;
    return list.filter((r) => [r.id, r.title, r.level, ...(r.tags ?? []), r.description ?? '', r.description_zh ?? ''].some((x) => x.toLowerCase().includes(f)));
  });

  protected describe(r: RuleSummary): string {
    return (this.i18n.language() === 'zh-CN' ? r.description_zh || r.description : r.description || r.description_zh) ?? '';
  }

  protected async setEnabled(r: RuleSummary, e: Event): Promise<void> {
    const on = (e.target as HTMLInputElement).checked;
    try {
      await firstValueFrom(this.api.setEnabled(r.id, on));
      this.rules.reload();
    } catch (err) {
      (e.target as HTMLInputElement).checked = !on;
      this.error.set(errorText(err));
    }
  }

  protected async validate(): Promise<void> {
    try {
      const v = await firstValueFrom(this.api.validate(this.yaml()));
      this.validation.set({ ok: v.ok, errors: (v.errors ?? []).map((x) => (typeof x === 'string' ? x : [x.path, x.message].filter(Boolean).join(': '))) });
    } catch (err) {
      this.validation.set({ ok: false, errors: [errorText(err)] });
    }
  }
}
