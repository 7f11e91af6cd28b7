// A dependency-free SVG of how each cost grows with load: throughput vs streams, latency vs concurrency,
// memory vs idle connections (log-scaled x; one line per subject).
import type { BenchResults, Curve } from './result-types.js';

/** Deployed gateways first (legend order). */
const COLORS: Record<string, string> = { gateway: '#1f77b4', 'gateway+pty': '#2ca02c', 'gateway-trusted': '#9467bd', 'ssh -D': '#d62728', raw: '#888888' };
const W = 360;
const H = 260;
const PAD = { left: 56, right: 12, top: 34, bottom: 44 };

function panel(title: string, xLabel: string, yLabel: string, curves: readonly Curve[], offsetX: number): string {
  const points = curves.flatMap((c) => c.points).filter(([, y]) => Number.isFinite(y));
  if (points.length === 0) return '';
  const xs = points.map(([x]) => Math.log10(x));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs) === xMin ? xMin + 1 : Math.max(...xs);
  const yMax = Math.max(...points.map(([, y]) => y)) * 1.1 || 1;
  const sx = (x: number): number => offsetX + PAD.left + ((Math.log10(x) - xMin) / (xMax - xMin)) * (W - PAD.left - PAD.right);
  const sy = (y: number): number => PAD.top + (1 - y / yMax) * (H - PAD.top - PAD.bottom);
  const parts = [
    `<text x="${offsetX + W / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`,
    `<line x1="${offsetX + PAD.left}" y1="${H - PAD.bottom}" x2="${offsetX + W - PAD.right}" y2="${H - PAD.bottom}" stroke="#333"/>`,
    `<line x1="${offsetX + PAD.left}" y1="${PAD.top}" x2="${offsetX + PAD.left}" y2="${H - PAD.bottom}" stroke="#333"/>`,
    `<text x="${offsetX + W / 2}" y="${H - 8}" text-anchor="middle">${xLabel}</text>`,
    `<text x="${offsetX + 14}" y="${H / 2}" text-anchor="middle" transform="rotate(-90 ${offsetX + 14} ${H / 2})">${yLabel}</text>`,
    `<text x="${offsetX + PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end">${yMax.toFixed(yMax < 10 ? 1 : 0)}</text>`,
    `<text x="${offsetX + PAD.left - 4}" y="${H - PAD.bottom}" text-anchor="end">0</text>`,
  ];
  for (const x of [...new Set(points.map(([px]) => px))]) {
    parts.push(`<text x="${sx(x)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${x}</text>`);
  }
  for (const curve of curves) {
    const valid = curve.points.filter(([, y]) => Number.isFinite(y));
    const color = COLORS[curve.name] ?? '#000';
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${valid.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of valid) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"/>`);
  }
  return parts.join('\n');
}

export function renderChart(results: BenchResults): string {
  const legend = Object.entries(COLORS)
    .map(([name, color], i) => `<rect x="${20 + i * 130}" y="${H + 6}" width="12" height="12" fill="${color}"/><text x="${36 + i * 130}" y="${H + 16}">${name}</text>`)
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W * 3}" height="${H + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel('Throughput vs streams', 'concurrent streams', 'MiB/s', results.curves.throughput, 0),
    panel('Latency p50 vs concurrency', 'concurrent clients', 'ms', results.curves.latency, W),
    panel('Memory vs idle connections', 'idle connections', 'RSS MiB', results.curves.memory, 2 * W),
    legend,
    `<text x="${W * 3 - 10}" y="${H + 16}" text-anchor="end">${results.date.slice(0, 10)}</text>`,
    '</svg>',
  ].join('\n');
}
