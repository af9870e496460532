import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, afterNextRender, effect, inject, input, viewChild } from '@angular/core';
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
} from 'chart.js';

// Only what the console draws is registered, so the lazy chunks stay small (no `chart.js/auto`).
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, DoughnutController, ArcElement, CategoryScale, LinearScale, Filler, Legend, Tooltip);

/** Colour-blind-safe palette (Okabe–Ito) with enough contrast on white. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
export const SEVERITY_COLOURS: Record<string, string> = {
  critical: '#8B0000',
  high: '#D55E00',
  medium: '#E69F00',
  low: '#0072B2',
  informational: '#6B7280',
};

/**
 * A Chart.js canvas. The chart is built once after render and updated in place when the configuration
 * signal changes. Canvas content is invisible to screen readers, so callers give a text `label`.
 */
@Component({
  selector: 'soc-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div class="chart-box"><canvas #canvas role="img" [attr.aria-label]="label()"></canvas></div>`,
})
export class ChartComponent<T extends ChartType = ChartType> {
  readonly config = input.required<ChartConfiguration<T>>();
  readonly label = input.required<string>();
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private chart: Chart<T> | null = null;

  constructor() {
    afterNextRender(() => {
      const cfg = this.config();
      this.chart = new Chart(this.canvas().nativeElement, {
        ...cfg,
        options: { responsive: true, maintainAspectRatio: false, animation: false, ...cfg.options },
      } as ChartConfiguration<T>);
    });
    effect(() => {
      const cfg = this.config();
      if (!this.chart) return;
      this.chart.data = cfg.data;
      if (cfg.options) this.chart.options = { responsive: true, maintainAspectRatio: false, animation: false, ...cfg.options } as typeof this.chart.options;
      this.chart.update();
    });
    inject(DestroyRef).onDestroy(() => this.chart?.destroy());
  }
}
