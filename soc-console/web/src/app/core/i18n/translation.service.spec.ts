import { describe, expect, it, beforeEach } from 'vitest';
import { TestBed } from '@angular/core/testing';
import { TranslationService } from './translation.service';
import { LANGUAGE_STORAGE_KEY } from './translate';

describe('TranslationService', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.resetTestingModule();
  });

  it('starts in zh-CN, switches at runtime, persists the choice and sets <html lang>', () => {
    const i18n = TestBed.inject(TranslationService);
    expect(i18n.language()).toBe('zh-CN');
    expect(i18n.t('nav.search')).toBe('日志检索');
    i18n.toggle();
    TestBed.tick();
    expect(i18n.t('nav.search')).toBe('Discover');
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(i18n.t('common.total', { n: 3 })).toBe('3 in total');
  });

  it('a stored English choice wins on the next start', () => {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, 'en');
    expect(TestBed.inject(TranslationService).language()).toBe('en');
  });
});
