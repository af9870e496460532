import { DOCUMENT, Injectable, computed, effect, inject, signal } from '@angular/core';
import zhCN from './zh-CN.json';
import en from './en.json';
import { DEFAULT_LANGUAGE, LANGUAGE_STORAGE_KEY, initialLanguage, translate, type Dictionary, type Language } from './translate';

const DICTIONARIES: Record<Language, Dictionary> = { 'zh-CN': zhCN, en };

function safeStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** Runtime-switchable translations: one signal holds the language; everything that reads it re-renders. */
@Injectable({ providedIn: 'root' })
export class TranslationService {
  private readonly document = inject(DOCUMENT);
  readonly language = signal<Language>(initialLanguage(safeStorage()));
  private readonly dict = computed(() => DICTIONARIES[this.language()]);
  /** Intl locale for numbers and dates. */
  readonly locale = computed(() => (this.language() === 'zh-CN' ? 'zh-CN' : 'en-GB'));

  constructor() {
    effect(() => {
      const lang = this.language();
      this.document.documentElement.lang = lang;
      try {
        safeStorage()?.setItem(LANGUAGE_STORAGE_KEY, lang);
      } catch {
        /* private mode: the choice just is not remembered */
      }
    });
  }

  t(key: string, params?: Record<string, unknown>): string {
    return translate(this.dict(), DICTIONARIES[DEFAULT_LANGUAGE], key, params);
  }

  toggle(): void {
    this.language.update((l) => (l === 'zh-CN' ? 'en' : 'zh-CN'));
  }
}
