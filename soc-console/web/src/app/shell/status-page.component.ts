import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '../core/i18n/translate.pipe';

@Component({
  selector: 'soc-forbidden',
  imports: [TranslatePipe, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<section class="page"><h1>{{ 'status.forbidden' | t }}</h1><p><a routerLink="/">{{ 'status.home' | t }}</a></p></section>`,
})
export class ForbiddenComponent {}

@Component({
  selector: 'soc-not-found',
  imports: [TranslatePipe, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<section class="page"><h1>{{ 'status.notFound' | t }}</h1><p><a routerLink="/">{{ 'status.home' | t }}</a></p></section>`,
})
export class NotFoundComponent {}
