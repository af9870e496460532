import { describe, expect, it } from 'vitest';
import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Router } from '@angular/router';
import { TotpEnrolmentComponent } from './totp-enrolment.component';
import { groupKey } from './totp.api';
import { AuthState } from '../../core/auth/auth-state.service';
import { TranslationService } from '../../core/i18n/translation.service';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** Lets the component's awaited HTTP promises settle (a few microtask turns), then renders. */
async function settle(fixture: { detectChanges(): void }) {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  fixture.detectChanges();
}

/** Records where the component navigates (the real router is not under test here). */
const navigated = {
  urls: [] as string[],
  navigateByUrl(url: string) {
    navigated.urls.push(url);
    return Promise.resolve(true);
  },
};

describe('TotpEnrolmentComponent', () => {
  let http: HttpTestingController;
  function setup() {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), { provide: Router, useValue: navigated }] });
    navigated.urls.length = 0;
    http = TestBed.inject(HttpTestingController);
  }

  async function open(status: object) {
    const fixture = TestBed.createComponent(TotpEnrolmentComponent);
    fixture.detectChanges();
    http.expectOne('/api/v1/account/totp').flush(status);
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('required enrolment: shows the key once, refuses a wrong code in the current language, activates with the right one', async () => {
    setup();
    const auth = TestBed.inject(AuthState);
    auth.set({ user: { name: 'bg1', roles: ['soc-analyst'], permissions: [] }, csrfToken: 'c1', totpEnrolmentRequired: true });
    const { fixture, el } = await open({ localAccount: true, enrolled: false, pendingUntil: null, enrolmentRequired: true });
    expect(el.querySelector('[data-testid=totp-required]')!.textContent).toContain('动态口令');

    el.querySelector<HTMLButtonElement>('[data-testid=totp-start]')!.click();
    const start = http.expectOne('/api/v1/account/totp/enrolment');
    expect(start.request.method).toBe('POST');
    start.flush({ secret: SECRET, uri: `otpauth://totp/EMSOC:bg1?secret=${SECRET}`, algorithm: 'SHA1', digits: 6, periodSeconds: 30, expiresAt: '2026-11-29T10:00:00Z' });
    await settle(fixture);
    expect(el.querySelector('[data-testid=totp-secret]')!.textContent).toBe(groupKey(SECRET));
    expect(groupKey(SECRET)).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(el.querySelector('[data-testid=totp-uri]')!.textContent).toContain(`secret=${SECRET}`);
    const qr = el.querySelector('[data-testid=totp-qr]')!;
    expect(qr.getAttribute('aria-label')).toBe('密钥 URI 二维码');
    expect(qr.getAttribute('viewBox')).toMatch(/^0 0 \d+ \d+$/);
    expect(qr.querySelector('path')!.getAttribute('d')).toMatch(/^(M\d+,\d+h1v1h-1z)+$/);

    const input = el.querySelector<HTMLInputElement>('#totp-code')!;
    expect(el.querySelector<HTMLLabelElement>('label[for=totp-code]')).not.toBeNull();
    input.value = '123456';
    input.dispatchEvent(new Event('input'));
    await settle(fixture);
    el.querySelector<HTMLFormElement>('[data-testid=totp-confirm-form]')!.dispatchEvent(new Event('submit'));
    const wrong = http.expectOne('/api/v1/account/totp/enrolment/confirm');
    expect(wrong.request.body).toEqual({ code: '123456' });
    wrong.flush({ error: 'the code does not match' }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(el.querySelector('[data-testid=totp-error]')!.textContent).toContain('动态口令不正确');
    TestBed.inject(TranslationService).toggle();
    await settle(fixture);
    expect(el.querySelector('[data-testid=totp-error]')!.textContent).toContain('The code does not match');

    input.value = '654321';
    input.dispatchEvent(new Event('input'));
    await settle(fixture);
    el.querySelector<HTMLFormElement>('[data-testid=totp-confirm-form]')!.dispatchEvent(new Event('submit'));
    http.expectOne('/api/v1/account/totp/enrolment/confirm').flush({
      enrolled: true,
      user: { name: 'bg1', roles: ['soc-analyst'], permissions: ['events:read'] },
      csrfToken: 'c2',
      totpEnrolmentRequired: false,
    });
    await settle(fixture);
    expect(el.querySelector('[data-testid=totp-done]')).not.toBeNull();
    expect(el.querySelector('[data-testid=totp-secret]')).toBeNull();
    expect(auth.csrfToken()).toBe('c2');
    expect(auth.totpEnrolmentRequired()).toBe(false);
    el.querySelector<HTMLButtonElement>('[data-testid=totp-continue]')!.click();
    expect(navigated.urls).toEqual(['/overview']); // the analyst's start screen
    http.verify();
  });

  it('an enrolled account sees its status and how to recover, and no way to enrol again', async () => {
    setup();
    const { el } = await open({ localAccount: true, enrolled: true, pendingUntil: null, enrolmentRequired: false });
    expect(el.querySelector('[data-testid=totp-enrolled]')).not.toBeNull();
    expect(el.querySelector('[data-testid=totp-start]')).toBeNull();
    http.verify();
  });
});
