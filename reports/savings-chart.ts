import { NANO_PER_USD } from '../domain/money.js';
import type { NanoUsd } from '../domain/money.js';
import { LEVERS } from '../domain/savings.js';
import { LEVER_LABELS, perCallUsd } from './savings-report.js';
import type { SavingsReport } from './savings-report.js';

// Written by hand: the chart is one waterfall of seven bars, and the libraries that draw SVG
// without a browser (vega, chart.js with node-canvas) would each add megabytes for it.

const WIDTH = 900;
const ROW_HEIGHT = 44;
const LABEL_WIDTH = 300;
const VALUE_WIDTH = 170;
const TOP = 80;
const COLORS = { baseline: '#8a8f98', lever: '#2e9b5f', cost: '#c0392b', actual: '#1f5fa8' };

interface Bar {
  label: string;
  from: NanoUsd;
  to: NanoUsd;
  color: string;
  value: string;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A waterfall from the baseline cost per call, down by each lever's saving, to the actual cost
 * per call, as a standalone SVG document.
 */
export function savingsChartSvg(report: SavingsReport): string {
  const { total } = report;
  const calls = Math.max(total.calls, 1);
  const perCall = (nano: NanoUsd) => nano / calls;
  const bars: Bar[] = [];
  bars.push({
    label: 'Baseline (all premium)',
    from: 0,
    to: perCall(total.baseline.total),
    color: COLORS.baseline,
    value: `$${perCallUsd(total.baseline.total, total.calls)}`,
  });
  let level = perCall(total.baseline.total);
  for (const lever of LEVERS) {
    const saved = perCall(total.levers[lever]);
    bars.push({
      label: LEVER_LABELS[lever],
      from: level - saved,
      to: level,
      color: saved >= 0 ? COLORS.lever : COLORS.cost,
      value: `${saved >= 0 ? '−' : '+'}$${perCallUsd(Math.abs(total.levers[lever]), total.calls)}`,
    });
    level -= saved;
  }
  bars.push({
    label: 'Actual',
    from: 0,
    to: perCall(total.actual.total),
    color: COLORS.actual,
    value: `$${perCallUsd(total.actual.total, total.calls)}`,
  });

  const maximum = Math.max(...bars.map((bar) => Math.max(bar.from, bar.to)), 1);
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const x = (nano: number) => LABEL_WIDTH + (Math.max(nano, 0) / maximum) * plotWidth;
  const height = TOP + bars.length * ROW_HEIGHT + 60;
  const saved = total.baseline.total - total.actual.total;
  const savedShare = total.baseline.total === 0 ? 0 : (saved / total.baseline.total) * 100;

  const rows = bars.map((bar, index) => {
    const y = TOP + index * ROW_HEIGHT;
    const left = x(Math.min(bar.from, bar.to));
    const width = Math.max(x(Math.max(bar.from, bar.to)) - left, 1);
    return [
      `<text x="${LABEL_WIDTH - 12}" y="${y + 26}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${left.toFixed(1)}" y="${y + 8}" width="${width.toFixed(1)}" height="${ROW_HEIGHT - 16}" fill="${bar.color}"/>`,
      `<text x="${(left + width + 8).toFixed(1)}" y="${y + 26}">${escapeXml(bar.value)}</text>`,
    ].join('\n  ');
  });

  const title = `Cost per call, ${report.from} … ${report.to}`;
  const totals =
    `${total.calls} calls, ${savedShare.toFixed(1)}% below the all-premium baseline: ` +
    `baseline $${(total.baseline.total / NANO_PER_USD).toFixed(2)}, ` +
    `actual $${(total.actual.total / NANO_PER_USD).toFixed(2)}, saved $${(saved / NANO_PER_USD).toFixed(2)}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="15" fill="#222">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <text x="20" y="34" font-size="19" font-weight="bold">${escapeXml(title)}</text>
  <text x="20" y="60" fill="#555">${escapeXml(totals)}</text>
  ${rows.join('\n  ')}
  <line x1="${LABEL_WIDTH}" y1="${TOP}" x2="${LABEL_WIDTH}" y2="${TOP + bars.length * ROW_HEIGHT}" stroke="#444"/>
  <text x="20" y="${height - 20}" fill="#555" font-size="13">Green: saved by the lever. Red: the lever cost more than the baseline. USD per call.</text>
</svg>
`;
}
