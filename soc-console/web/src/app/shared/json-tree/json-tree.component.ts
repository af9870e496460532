import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A document as an expandable tree (native <details>: keyboard and screen-reader friendly). Values are only
 * ever interpolated, never rendered as HTML, whatever the event contains.
 */
@Component({
  selector: 'soc-json-tree',
  imports: [JsonTreeComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (isContainer()) {
      <details class="json-tree" [open]="open()">
        <summary>
          @if (name() !== null) { <span class="json-key">{{ name() }}</span>: }
          <span class="muted">{{ isArray() ? '[' + entries().length + ']' : '{' + entries().length + '}' }}</span>
        </summary>
        <ul>
          @for (e of entries(); track e[0]) {
            <li><soc-json-tree [value]="e[1]" [name]="e[0]" [open]="false" /></li>
          }
        </ul>
      </details>
    } @else {
      <span class="json-leaf">
        @if (name() !== null) { <span class="json-key">{{ name() }}</span>: }
        <span [class]="'json-' + kind()">{{ text() }}</span>
      </span>
    }
  `,
})
export class JsonTreeComponent {
  readonly value = input.required<unknown>();
  readonly name = input<string | null>(null);
  readonly open = input(true);
  protected readonly isArray = computed(() => Array.isArray(this.value()));
  protected readonly isContainer = computed(() => this.value() !== null && typeof this.value() === 'object');
  protected readonly entries = computed(() => Object.entries(this.value() as Record<string, Json>));
  protected readonly kind = computed(() => (this.value() === null ? 'null' : typeof this.value()));
  protected readonly text = computed(() => (typeof this.value() === 'string' ? JSON.stringify(this.value()) : String(this.value())));
}
