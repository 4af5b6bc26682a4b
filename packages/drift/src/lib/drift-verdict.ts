/** How far a feature (or the whole batch) has moved: `alert` is what fails the stage or a downstream gate. */
export type DriftVerdict = 'ok' | 'warn' | 'alert';

const RANK: Record<DriftVerdict, number> = { ok: 0, warn: 1, alert: 2 };

/** The level a value reaches: at or above `alert`, at or above `warn`, else ok (0 never reaches a level). */
export function levelOf(value: number, levels: { warn: number; alert: number }): DriftVerdict {
  if (!(value > 0)) return 'ok';
  if (value >= levels.alert) return 'alert';
  if (value >= levels.warn) return 'warn';
  return 'ok';
}

export function worstVerdict(verdicts: Iterable<DriftVerdict>): DriftVerdict {
  let worst: DriftVerdict = 'ok';
  for (const verdict of verdicts) if (RANK[verdict] > RANK[worst]) worst = verdict;
  return worst;
}
