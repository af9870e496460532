import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { queryMarker, type QueryErrorDetails } from './query-error';

/** The query again in monospace with a caret under the column the server rejected, and what it expected. */
@Component({
  selector: 'soc-query-error',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let m = marker();
    <div class="query-error" role="alert" data-testid="query-error">
      <div class="query-error__text" aria-hidden="true">
        <div class="mono-line">{{ m.before }}<mark>{{ m.at || ' ' }}</mark>{{ m.after }}</div>
        <div class="mono-line query-error__caret" data-testid="query-caret">{{ m.indent }}^</div>
      </div>
      <p>
        {{ 'search.syntaxError' | t: { column: m.column } }}
        @if (m.expected.length) {
          — {{ 'search.expected' | t }}: {{ m.expected.join(', ') }}
        }
      </p>
      <p class="muted">{{ message() }}</p>
    </div>
  `,
})
export class QueryErrorComponent {
  readonly query = input.required<string>();
  readonly details = input.required<QueryErrorDetails>();
  readonly message = input('');
  protected readonly marker = computed(() => queryMarker(this.query(), this.details()));
}
