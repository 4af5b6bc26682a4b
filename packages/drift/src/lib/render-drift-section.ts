import type { DriftDistribution, DriftReport, FeatureDrift } from './drift-report';
import type { DriftVerdict } from './drift-verdict';

/** CSS class per verdict (the tracking report styles drift-ok, drift-warning, drift-alert). */
const VERDICT_CLASS: Record<DriftVerdict, string> = { ok: 'drift-ok', warn: 'drift-warning', alert: 'drift-alert' };

/**
 * The drift section of the HTML report: the verdict, a row per feature (statistic, p-value,
 * verdict, reasons), and for each drifted feature its training vs batch distribution as
 * side-by-side bars (inline SVG, no script, so the report stays one self-contained file).
 */
export function renderDriftSection(report: DriftReport): string {
  const all = [...report.features, ...(report.prediction ? [report.prediction] : [])];
  const rows = all
    .map(
      (feature) =>
        `<tr class="${VERDICT_CLASS[feature.verdict]}"><td>${escapeHtml(feature.name)}</td><td>${feature.kind}</td><td>${number(feature.psi)}</td><td>${feature.test === 'kolmogorov-smirnov' ? `KS D ${number(feature.ks?.statistic ?? 0)}` : `χ² ${number(feature.chiSquare?.statistic ?? 0)}`}</td><td>${feature.pValue === null ? '—' : number(feature.pValue)}</td><td>${percent(feature.nulls.batch)} (train ${percent(feature.nulls.reference)})</td><td>${feature.unseen ? percent(feature.unseen.share) : '—'}</td><td><strong>${feature.verdict}</strong></td><td>${feature.reasons.map(escapeHtml).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const charts = all
    .filter((feature) => feature.verdict !== 'ok')
    .map((feature) => `<figure><figcaption>${escapeHtml(feature.name)}: training (grey) vs batch (colour)</figcaption>${distributionChart(feature)}</figure>`)
    .join('\n');
  return `<section class="drift" id="drift">
<h2>Data drift: <span class="${VERDICT_CLASS[report.verdict]}">${report.verdict}</span></h2>
<p>${escapeHtml(report.batch.file)} (${report.batch.rows} rows) against ${escapeHtml(report.reference.file)} (${report.reference.rows} rows); significance ${number(report.alpha)} over ${report.tests} tests.</p>
<p>${escapeHtml(report.summary)}</p>
<table><thead><tr><th>feature</th><th>kind</th><th>PSI</th><th>test</th><th>p-value</th><th>nulls</th><th>unseen</th><th>verdict</th><th>why</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${charts}
</section>`;
}

const WIDTH = 480;
const HEIGHT = 160;

function distributionChart(feature: FeatureDrift): string {
  const { labels, reference, batch } = binsOf(feature.distribution);
  const referenceShares = shares(reference);
  const batchShares = shares(batch);
  const largest = Math.max(...referenceShares, ...batchShares, 1e-9);
  const slot = WIDTH / Math.max(labels.length, 1);
  const bar = slot * 0.4;
  const bars = labels
    .map((label, index) => {
      const x = index * slot;
      const hr = (referenceShares[index]! / largest) * (HEIGHT - 20);
      const hb = (batchShares[index]! / largest) * (HEIGHT - 20);
      return `<g><title>${escapeHtml(label)}: training ${percent(referenceShares[index]!)}, batch ${percent(batchShares[index]!)}</title><rect x="${(x + slot * 0.1).toFixed(1)}" y="${(HEIGHT - 20 - hr).toFixed(1)}" width="${bar.toFixed(1)}" height="${hr.toFixed(1)}" fill="#9ca3af"/><rect x="${(x + slot * 0.5).toFixed(1)}" y="${(HEIGHT - 20 - hb).toFixed(1)}" width="${bar.toFixed(1)}" height="${hb.toFixed(1)}" fill="#dc2626"/><text x="${(x + slot / 2).toFixed(1)}" y="${HEIGHT - 6}" font-size="9" text-anchor="middle">${escapeHtml(label.length > 12 ? `${label.slice(0, 11)}…` : label)}</text></g>`;
    })
    .join('');
  return `<svg role="img" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">${bars}</svg>`;
}

function binsOf(distribution: DriftDistribution): { labels: string[]; reference: number[]; batch: number[] } {
  if (distribution.kind === 'categories') {
    return {
      labels: distribution.categories.map((category, index) => (distribution.unseen[index] ? `${category} (new)` : category)),
      reference: distribution.reference,
      batch: distribution.batch,
    };
  }
  const labels = distribution.reference.map((_, index) => `${number(distribution.edges[index]!)}–${number(distribution.edges[index + 1]!)}`);
  return { labels, reference: distribution.reference, batch: distribution.batch };
}

function shares(counts: number[]): number[] {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return counts.map((count) => (total ? count / total : 0));
}

function number(value: number): string {
  return Number(value.toPrecision(4)).toString();
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
