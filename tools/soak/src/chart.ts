// The soak's picture, drawn here as SVG (no dependency): panels stacked on one time axis, faults as vertical lines.

export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

export interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

export interface Marker {
  x: number;
  label: string;
}

const W = 960;
const PANEL_H = 190;
const PAD = { left: 64, right: 16, top: 30, bottom: 26 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least max. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max)!;
}

/** Panels of lines over x in minutes (0..xMax), with the markers drawn across every panel. */
export function svgChart(panels: readonly Panel[], markers: readonly Marker[], xMax: number, title: string): string {
  const height = 28 + panels.length * PANEL_H;
  const plotW = W - PAD.left - PAD.right;
  const sx = (x: number) => PAD.left + (x / xMax) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    `<text x="${PAD.left}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = 28 + i * PANEL_H + PAD.top;
    const plotH = PANEL_H - PAD.top - PAD.bottom;
    const yMax = niceMax(Math.max(0, ...panel.series.flatMap((s) => s.points.map((p) => p.y))));
    const sy = (y: number) => top + plotH - (Math.min(y, yMax) / yMax) * plotH;
    parts.push(
      `<text x="${PAD.left}" y="${top - 8}" font-weight="bold">${esc(panel.title)} (${esc(panel.unit)})</text>`,
    );
    for (let k = 0; k <= 4; k++) {
      const y = (yMax * k) / 4;
      parts.push(
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/>`,
        `<text x="${PAD.left - 6}" y="${sy(y) + 4}" text-anchor="end">${+y.toPrecision(3)}</text>`,
      );
    }
    const step = niceMax(xMax / 8);
    for (let x = 0; x <= xMax; x += step)
      parts.push(`<text x="${sx(x)}" y="${top + plotH + 16}" text-anchor="middle">${x} min</text>`);
    for (const m of markers)
      parts.push(
        `<line x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${top}" y2="${top + plotH}" stroke="#c33" stroke-dasharray="3,3"/>`,
      );
    if (i === 0)
      markers.forEach((m, k) =>
        parts.push(
          `<text x="${sx(m.x) + 2}" y="${top + 10 + (k % 3) * 11}" fill="#c33" font-size="9">${esc(m.label)}</text>`,
        ),
      );
    let legendX = W - PAD.right;
    for (const s of [...panel.series].reverse()) {
      legendX -= 8 + s.name.length * 6.5;
      parts.push(`<text x="${legendX}" y="${top - 8}" fill="${s.color}">■ ${esc(s.name)}</text>`);
      if (s.points.length === 0) continue;
      const d = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${d}"/>`);
    }
    parts.push(`<rect x="${PAD.left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
