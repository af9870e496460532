import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { TranslationService } from '../core/i18n/translation.service';

/** One click between 中文 and English; the button names the language it switches to, in that language. */
@Component({
  selector: 'soc-language-toggle',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button type="button" class="lang-toggle" (click)="i18n.toggle()" [attr.lang]="target().lang" [attr.aria-label]="target().aria" data-testid="lang-toggle">
      {{ target().text }}
    </button>
  `,
})
export class LanguageToggleComponent {
  protected readonly i18n = inject(TranslationService);
  protected readonly target = computed(() =>
    this.i18n.language() === 'zh-CN'
      ? { lang: 'en', text: 'English', aria: 'Switch to English' }
      : { lang: 'zh-CN', text: '中文', aria: '切换到中文' },
  );
}
