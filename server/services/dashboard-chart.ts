// Accessible SVG charts built on the server (CSP forbids inline scripts; no client framework): a
// horizontal bar chart as a plain view-model that views/partials/chart-bars.hbs draws. The SVG has
// role="img" with a title and a description, each bar its own <title>, and the page shows the same
// figures in a table for screen readers and printing.

export type Tone = 'green' | 'amber' | 'red' | 'blue' | 'grey';

const FILL: Record<Tone, string> = { green: '#1b7f3b', amber: '#b36b00', red: '#b3261e', blue: '#1f5fa8', grey: '#5f6368' };

export interface BarInput {
  label: string;
  value: number;
  tone?: Tone;
  suffix?: string;
}

export interface BarChart {
  id: string;
  title: string;
  desc: string;
  width: number;
  height: number;
  bars: { label: string; value: string; y: number; textY: number; barX: number; barWidth: number; valueX: number; fill: string; tip: string }[];
  labelX: number;
  axisX: number;
}

const LABEL_WIDTH = 260;
const BAR_SPACE = 320;
const ROW = 28;

export function barChart(id: string, title: string, bars: BarInput[], max?: number): BarChart {
  const top = Math.max(1, max ?? Math.max(0, ...bars.map((b) => b.value)));
  const text = (b: BarInput) => `${b.value.toLocaleString('vi-VN')}${b.suffix ?? ''}`;
  return {
    id,
    title,
    desc: bars.map((b) => `${b.label}: ${text(b)}`).join('; '),
    width: LABEL_WIDTH + BAR_SPACE + 80,
    height: bars.length * ROW + 8,
    labelX: LABEL_WIDTH - 8,
    axisX: LABEL_WIDTH,
    bars: bars.map((b, i) => {
      const w = b.value <= 0 ? 0 : Math.max(2, Math.round((b.value / top) * BAR_SPACE));
      return {
        label: b.label.length > 38 ? `${b.label.slice(0, 37)}…` : b.label,
        value: text(b),
        y: i * ROW + 6,
        textY: i * ROW + 24,
        barX: LABEL_WIDTH,
        barWidth: w,
        valueX: LABEL_WIDTH + w + 6,
        fill: FILL[b.tone ?? 'blue'],
        tip: `${b.label}: ${text(b)}`,
      };
    }),
  };
}
