/**
 * Hand-written SVG charts for the static report: no browser-side code, no fonts or scripts
 * to fetch, the same markup every time for the same data. Colours are the Okabe–Ito palette
 * (distinguishable with the common colour-vision deficiencies); lines also differ in dash.
 */

export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'] as const;
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '4 4', '1 2'];

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface LineChartParams {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Force the y range (e.g. [0, 1] for rates). */
  yDomain?: readonly [number, number];
  xDomain?: readonly [number, number];
  /** Draw point markers (few points, e.g. one per run). */
  markers?: boolean;
  /** Markers only, no lines: points that are not a sequence (a sweep's points against one of its settings). */
  scatter?: boolean;
  /** A dashed diagonal from (min, min) to (max, max): the chance line of a ROC curve. */
  diagonal?: boolean;
  /** Vertical marker lines, e.g. the best epoch. */
  verticals?: readonly { x: number; label: string }[];
  /** Labels for x ticks (e.g. run ids); default: numbers. */
  xTickFormat?: (value: number) => string;
  integerX?: boolean;
  /** 'log' for losses, which fall by orders of magnitude (non-positive values are dropped). */
  yScale?: 'linear' | 'log';
  width?: number;
  height?: number;
}

const MARGIN = { top: 34, right: 16, bottom: 44, left: 58 };

export function lineChart(params: LineChartParams): string {
  const width = params.width ?? 520;
  const height = params.height ?? 300;
  const plotHeight = height - MARGIN.top - MARGIN.bottom - legendHeight(params.series, width);
  const log = params.yScale === 'log';
  const series = log ? params.series.map((item) => ({ ...item, points: item.points.filter(([, y]) => y > 0) })) : params.series;
  const all = series.flatMap((item) => item.points);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => (log ? Math.log10(y) : y));
  const [x0, x1] = params.xDomain ?? padDomain(extent(xs), 0);
  const [y0, y1] = log ? logDomain(extent(ys)) : (params.yDomain ?? padDomain(extent(ys), 0.05));
  const xTicks = ticks(x0, x1, 6, params.integerX);
  const yTicks = log ? range(Math.ceil(y0), Math.floor(y1)) : ticks(y0, y1, 5);
  const sx = (x: number) => left + (x1 === x0 ? plotWidth / 2 : ((x - x0) / (x1 - x0)) * plotWidth);
  const syLinear = (y: number) => MARGIN.top + (y1 === y0 ? plotHeight / 2 : plotHeight - ((y - y0) / (y1 - y0)) * plotHeight);
  const sy = (y: number) => syLinear(log ? Math.log10(y) : y);
  const formatX = params.xTickFormat ?? tickFormatter(xTicks);
  const formatY = log ? (exponent: number) => formatPower(exponent) : tickFormatter(yTicks);
  // The plot starts right of the widest y tick label, so long numbers are never cut off.
  const left = Math.max(MARGIN.left, 30 + Math.max(...yTicks.map((tick) => formatY(tick).length)) * 7);
  const plotWidth = width - left - MARGIN.right;
  const parts: string[] = [];
  parts.push(frame(params.title, width, height, describeSeries(params)));
  for (const tick of yTicks) {
    parts.push(`<line class="grid" x1="${left}" x2="${left + plotWidth}" y1="${n(syLinear(tick))}" y2="${n(syLinear(tick))}"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${n(syLinear(tick) + 4)}" text-anchor="end">${esc(formatY(tick))}</text>`);
  }
  for (const tick of xTicks) {
    parts.push(`<text class="tick" x="${n(sx(tick))}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${esc(formatX(tick))}</text>`);
  }
  parts.push(axes(left, MARGIN.top, plotWidth, plotHeight));
  parts.push(`<text class="axis-label" x="${left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 34}" text-anchor="middle">${esc(params.xLabel)}</text>`);
  parts.push(
    `<text class="axis-label" transform="translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${esc(log ? `${params.yLabel} (log scale)` : params.yLabel)}</text>`,
  );
  if (params.diagonal) {
    parts.push(`<line class="chance" x1="${n(sx(x0))}" y1="${n(sy(y0))}" x2="${n(sx(x1))}" y2="${n(sy(y1))}"/>`);
  }
  for (const vertical of params.verticals ?? []) {
    parts.push(`<line class="marker" x1="${n(sx(vertical.x))}" x2="${n(sx(vertical.x))}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}"/>`);
    const nearRight = sx(vertical.x) > left + plotWidth * 0.7;
    parts.push(
      `<text class="tick" x="${n(sx(vertical.x) + (nearRight ? -4 : 4))}" y="${MARGIN.top + 12}"${nearRight ? ' text-anchor="end"' : ''}>${esc(vertical.label)}</text>`,
    );
  }
  series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length];
    const path = series.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${n(sx(x))},${n(sy(y))}`).join('');
    const dash = DASHES[index % DASHES.length] ? ` stroke-dasharray="${DASHES[index % DASHES.length]}"` : '';
    if (!params.scatter) parts.push(`<path class="series" data-series="${esc(series.name)}" d="${path}" stroke="${color}"${dash}/>`);
    if (params.markers || params.scatter || series.points.length === 1) {
      for (const [x, y] of series.points) {
        parts.push(
          `<circle cx="${n(sx(x))}" cy="${n(sy(y))}" r="3.5" fill="${color}"><title>${esc(`${series.name}: ${formatX(x)} → ${formatTick(y, 4)}`)}</title></circle>`,
        );
      }
    }
  });
  parts.push(
    legend(
      params.series.map((series) => series.name),
      width,
      height - legendHeight(params.series, width) + 4,
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}

export interface HeatmapParams {
  title: string;
  rowLabel: string;
  columnLabel: string;
  rows: readonly string[];
  columns: readonly string[];
  values: readonly (readonly number[])[];
}

/** A count matrix (confusion matrix): one sequential blue scale, the count printed in every cell. */
export function heatmap(params: HeatmapParams): string {
  const cell = Math.max(38, Math.min(64, Math.floor(320 / Math.max(1, params.columns.length))));
  const labelWidth = Math.max(60, ...params.rows.map((label) => label.length * 7 + 12));
  const left = labelWidth + 24;
  const top = 64;
  const width = left + cell * params.columns.length + 16;
  const height = top + cell * params.rows.length + 30;
  const max = Math.max(1, ...params.values.flat());
  const parts = [frame(params.title, width, height, `${params.rowLabel} by ${params.columnLabel}, ${params.rows.length} × ${params.columns.length}`)];
  parts.push(
    `<text class="axis-label" x="${left + (cell * params.columns.length) / 2}" y="${top - 26}" text-anchor="middle">${esc(params.columnLabel)}</text>`,
  );
  params.columns.forEach((label, c) =>
    parts.push(`<text class="tick" x="${left + c * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${esc(label)}</text>`),
  );
  parts.push(
    `<text class="axis-label" transform="translate(12 ${top + (cell * params.rows.length) / 2}) rotate(-90)" text-anchor="middle">${esc(params.rowLabel)}</text>`,
  );
  params.rows.forEach((label, r) => {
    parts.push(`<text class="tick" x="${left - 6}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end">${esc(label)}</text>`);
    params.columns.forEach((_, c) => {
      const value = params.values[r]?.[c] ?? 0;
      const share = value / max;
      const fill = blueScale(share);
      parts.push(
        `<rect class="cell" x="${left + c * cell}" y="${top + r * cell}" width="${cell}" height="${cell}" fill="${fill}"><title>${esc(`${label} → ${params.columns[c]}: ${value}`)}</title></rect>`,
        `<text class="cell-value" x="${left + c * cell + cell / 2}" y="${top + r * cell + cell / 2 + 5}" text-anchor="middle" fill="${share > 0.5 ? '#ffffff' : '#1a1a1a'}">${value}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface HistogramParams {
  title: string;
  xLabel: string;
  /** Bin edges (n + 1) and counts (n); bins may differ in width (equal-frequency). */
  edges: readonly number[];
  counts: readonly number[];
  width?: number;
  height?: number;
}

/** Bars whose area is the count: with unequal bins the height is count / width (a density). */
export function histogram(params: HistogramParams): string {
  const width = params.width ?? 340;
  const height = params.height ?? 210;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const x0 = params.edges[0] ?? 0;
  const x1 = params.edges[params.edges.length - 1] ?? 1;
  const densities = params.counts.map((count, i) => {
    const binWidth = params.edges[i + 1]! - params.edges[i]!;
    return binWidth > 0 ? count / binWidth : 0;
  });
  const maxDensity = Math.max(...densities, 1e-12);
  const sx = (x: number) => MARGIN.left + (x1 === x0 ? 0 : ((x - x0) / (x1 - x0)) * plotWidth);
  const parts = [frame(params.title, width, height, `${params.counts.length} bins from ${formatTick(x0)} to ${formatTick(x1)}`)];
  params.counts.forEach((count, i) => {
    const left = sx(params.edges[i]!);
    const right = sx(params.edges[i + 1]!);
    const barHeight = (densities[i]! / maxDensity) * plotHeight;
    parts.push(
      `<rect class="bar" x="${n(left)}" y="${n(MARGIN.top + plotHeight - barHeight)}" width="${n(Math.max(1, right - left - 1))}" height="${n(barHeight)}" fill="${PALETTE[0]}"><title>${esc(`${formatTick(params.edges[i]!, 4)} – ${formatTick(params.edges[i + 1]!, 4)}: ${count} rows`)}</title></rect>`,
    );
  });
  const histogramTicks = ticks(x0, x1, 4);
  const formatHistogramTick = tickFormatter(histogramTicks);
  for (const tick of histogramTicks) {
    parts.push(`<text class="tick" x="${n(sx(tick))}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${esc(formatHistogramTick(tick))}</text>`);
  }
  parts.push(axes(MARGIN.left, MARGIN.top, plotWidth, plotHeight));
  parts.push(
    `<text class="axis-label" x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 34}" text-anchor="middle">${esc(params.xLabel)}</text>`,
  );
  parts.push(`<text class="axis-label" transform="translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">density</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars for categories (a string column's most frequent values, a model's feature importance). */
export function categoryBars(params: {
  title: string;
  items: readonly { label: string; count: number }[];
  width?: number;
  /** Accessible description; default "<n> most frequent values". */
  description?: string;
  /** How a bar's value is written. Default: as is. */
  format?: (value: number) => string;
}): string {
  const format = params.format ?? String;
  const width = params.width ?? 340;
  const labelWidth = Math.min(160, Math.max(56, ...params.items.map((item) => Math.min(20, item.label.length) * 7.5 + 16)));
  const barHeight = 18;
  const top = 34;
  const height = top + params.items.length * (barHeight + 6) + 12;
  const max = Math.max(1, ...params.items.map((item) => item.count));
  const plotWidth = width - labelWidth - 60;
  const parts = [frame(params.title, width, height, params.description ?? `${params.items.length} most frequent values`)];
  params.items.forEach((item, i) => {
    const y = top + i * (barHeight + 6);
    const length = (item.count / max) * plotWidth;
    parts.push(
      `<text class="tick" x="${labelWidth - 6}" y="${y + barHeight / 2 + 4}" text-anchor="end">${esc(truncate(item.label, 20))}</text>`,
      `<rect class="bar" x="${labelWidth}" y="${y}" width="${n(Math.max(1, length))}" height="${barHeight}" fill="${PALETTE[2]}"><title>${esc(`${item.label}: ${format(item.count)}`)}</title></rect>`,
      `<text class="tick" x="${n(labelWidth + length + 4)}" y="${y + barHeight / 2 + 4}">${esc(format(item.count))}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface GraphNode {
  id: string;
  label: string;
  detail: string;
}

/** The stage graph, left to right by depth: boxes per stage, arrows from each upstream stage. */
export function stageGraph(params: { title: string; nodes: readonly GraphNode[]; edges: readonly (readonly [string, string])[] }): string {
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    if (depth.has(id)) return depth.get(id)!;
    if (seen.has(id)) return 0;
    seen.add(id);
    const parents = params.edges.filter(([, to]) => to === id).map(([from]) => from);
    const value = parents.length ? Math.max(...parents.map((parent) => depthOf(parent, seen) + 1)) : 0;
    depth.set(id, value);
    return value;
  };
  params.nodes.forEach((node) => depthOf(node.id));
  const columns = new Map<number, GraphNode[]>();
  for (const node of params.nodes) columns.set(depth.get(node.id)!, [...(columns.get(depth.get(node.id)!) ?? []), node]);
  const boxWidth = 170;
  const boxHeight = 46;
  const gapX = 50;
  const gapY = 18;
  const maxRows = Math.max(1, ...[...columns.values()].map((column) => column.length));
  const width = 20 + columns.size * (boxWidth + gapX);
  const height = 44 + maxRows * (boxHeight + gapY);
  const position = new Map<string, { x: number; y: number }>();
  for (const [level, column] of columns)
    column.forEach((node, row) => position.set(node.id, { x: 10 + level * (boxWidth + gapX), y: 34 + row * (boxHeight + gapY) }));
  const parts = [frame(params.title, width, height, `${params.nodes.length} stages`)];
  parts.push(
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>',
  );
  for (const [from, to] of params.edges) {
    const a = position.get(from);
    const b = position.get(to);
    if (!a || !b) continue;
    parts.push(
      `<path class="edge" d="M${a.x + boxWidth},${a.y + boxHeight / 2}C${a.x + boxWidth + gapX / 2},${a.y + boxHeight / 2} ${b.x - gapX / 2},${b.y + boxHeight / 2} ${b.x},${b.y + boxHeight / 2}" marker-end="url(#arrow)"/>`,
    );
  }
  for (const node of params.nodes) {
    const { x, y } = position.get(node.id)!;
    parts.push(
      `<rect class="node" x="${x}" y="${y}" width="${boxWidth}" height="${boxHeight}" rx="6"/>`,
      `<text class="node-label" x="${x + 10}" y="${y + 19}">${esc(truncate(node.label, 22))}</text>`,
      `<text class="tick" x="${x + 10}" y="${y + 36}">${esc(truncate(node.detail, 26))}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

function frame(title: string, width: number, height: number, description: string): string {
  const id = `c${hashId(`${title}|${description}`)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}t ${id}d"><title id="${id}t">${esc(title)}</title><desc id="${id}d">${esc(description)}</desc><text class="chart-title" x="8" y="20">${esc(title)}</text>`;
}

function axes(left: number, top: number, width: number, height: number): string {
  return `<path class="axis" d="M${left},${top}V${top + height}H${left + width}"/>`;
}

function legend(names: readonly string[], width: number, y: number): string {
  if (names.length < 2) return '';
  let x = MARGIN.left;
  let row = 0;
  const parts: string[] = [];
  names.forEach((name, index) => {
    const label = truncate(name, 48);
    const itemWidth = 30 + label.length * 6.6;
    if (x + itemWidth > width - 8 && x > MARGIN.left) {
      x = MARGIN.left;
      row++;
    }
    const dash = DASHES[index % DASHES.length] ? ` stroke-dasharray="${DASHES[index % DASHES.length]}"` : '';
    parts.push(
      `<line x1="${n(x)}" x2="${n(x + 20)}" y1="${y + row * 16}" y2="${y + row * 16}" stroke="${PALETTE[index % PALETTE.length]}" stroke-width="2.5"${dash}/>`,
      `<text class="legend" x="${n(x + 25)}" y="${y + row * 16 + 4}">${esc(label)}</text>`,
    );
    x += itemWidth + 12;
  });
  return `<g class="legend-items">${parts.join('')}</g>`;
}

function legendHeight(series: readonly Series[], width: number): number {
  if (series.length < 2) return 0;
  // Lay the items out as legend() does, to know how many rows it takes.
  let x = MARGIN.left;
  let rows = 1;
  for (const item of series) {
    const itemWidth = 30 + truncate(item.name, 48).length * 6.6;
    if (x + itemWidth > width - 8 && x > MARGIN.left) {
      x = MARGIN.left;
      rows++;
    }
    x += itemWidth + 12;
  }
  return 16 * rows + 8;
}

function describeSeries(params: LineChartParams): string {
  return `${params.yLabel} by ${params.xLabel}; ${params.series
    .map((series) => {
      const last = series.points[series.points.length - 1];
      return `${series.name}: ${series.points.length} points${last ? `, last ${formatTick(last[1], 4)}` : ''}`;
    })
    .join('; ')}`;
}

function extent(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  return finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1];
}

function padDomain([low, high]: [number, number], fraction: number): [number, number] {
  if (low === high) return [low - (Math.abs(low) || 1) * 0.1, high + (Math.abs(high) || 1) * 0.1];
  const pad = (high - low) * fraction;
  return [low - pad, high + pad];
}

/** "Nice" tick values (1, 2, 5 × 10ⁿ steps) covering [low, high]. */
export function ticks(low: number, high: number, count: number, integer = false): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) out.push(Number(value.toPrecision(12)));
  return out;
}

function logDomain([low, high]: [number, number]): [number, number] {
  return [Math.floor(low), Math.max(Math.ceil(high), Math.floor(low) + 1)];
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function formatPower(exponent: number): string {
  return exponent >= -3 && exponent <= 4 ? String(Number((10 ** exponent).toPrecision(1))) : `1e${exponent}`;
}

/** Formats ticks with as many decimals as their spacing needs, so neighbouring ticks never read the same. */
function tickFormatter(values: readonly number[]): (value: number) => string {
  const step = values.length > 1 ? Math.abs(values[1]! - values[0]!) : 0;
  const magnitude = Math.max(...values.map((value) => Math.abs(value)), 0);
  if (step > 0 && (magnitude >= 1e5 || magnitude < 1e-3)) {
    const digits = Math.max(0, Math.floor(Math.log10(magnitude)) - Math.floor(Math.log10(step)));
    return (value) => (value === 0 ? '0' : value.toExponential(Math.min(6, digits)));
  }
  const decimals = step > 0 ? Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9))) : 3;
  return (value) => value.toFixed(decimals);
}

function formatTick(value: number, digits = 3): string {
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3)) return value.toExponential(1);
  return String(Number(value.toPrecision(digits)));
}

/** White to dark blue (ColorBrewer Blues end points), linear in sRGB. */
function blueScale(share: number): string {
  const from = [247, 251, 255];
  const to = [8, 48, 107];
  const mix = from.map((start, i) => Math.round(start + (to[i]! - start) * share));
  return `#${mix.map((value) => value.toString(16).padStart(2, '0')).join('')}`;
}

function n(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function hashId(text: string): string {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return (hash >>> 0).toString(36);
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}
