import { attr, type GraphBuilder, onnxDataType } from '@reproml/onnx';
import type { RawInput } from '@reproml/onnx/contracts';
import type { DateFeature } from './date-features';
import { compileDateFormat, type DateDirective, type DateFormat } from './date-format';
import type { FittedDateColumn } from './fitted-transform';

/**
 * ai.onnx opset a preprocess.onnx that parses dates needs: StringSplit and StringConcat
 * (opset 20) and Equal on strings (opset 19). Graphs without date columns keep opset 17.
 */
export const DATE_PARSING_OPSET = 20;

type Components = Record<'year' | 'month' | 'day' | 'hour', string>;

/**
 * The features of a date column as float64 [N, 1] tensors, in the fitted order, NaN where the
 * date is missing (before imputation). The text is split at the format's separators
 * (StringSplit), each component is cast to a number (Cast from string), and the features are
 * computed from the components with the same whole-number formulas as date-features.ts.
 * The graph checks the shape of a value only loosely (a component that is not a number fails
 * the run; a month 13 does not): the stage itself rejects such values when it fits.
 */
export function dateFeatureTensors(g: GraphBuilder, input: RawInput, fitted: FittedDateColumn): { feature: DateFeature; value: string }[] {
  const format = compileDateFormat(fitted.format ?? undefined, fitted.name, {});
  const missing = missingMask(g, input.onnxName, fitted.missingValues);
  // Missing values are replaced by a valid date so that parsing cannot fail on them; their features become NaN below.
  const text = g.op('Where', [missing, stringConstant(g, placeholderDate(format), 'date_placeholder'), input.onnxName]);
  const parts = format.kind === 'iso' ? isoComponents(g, text) : formatComponents(g, text, format);
  const nan = g.constant({ type: 'float64', dims: [1, 1], values: [NaN], hint: 'date_missing' });
  const formulas = dateFormulas(g, parts);
  return fitted.features.map(({ feature }) => ({ feature, value: g.op('Where', [missing, nan, formulas.feature(feature)]) }));
}

function stringConstant(g: GraphBuilder, value: string, hint: string): string {
  return g.constant({ type: 'string', dims: [1, 1], values: [value], hint });
}

/** bool [N, 1]: the value is "" or one of the missing-value markers. */
function missingMask(g: GraphBuilder, input: string, markers: readonly string[]): string {
  let mask = g.op('Equal', [input, stringConstant(g, '', 'date_empty')]);
  for (const marker of markers) {
    if (marker !== '') mask = g.op('Or', [mask, g.op('Equal', [input, stringConstant(g, marker, 'date_marker')])]);
  }
  return mask;
}

function placeholderDate(format: DateFormat): string {
  if (format.kind === 'iso') return '1970-01-01';
  const values: Record<DateDirective, string> = { Y: '1970', m: '1', d: '1', H: '0', M: '0', S: '0' };
  return format.directives.map((directive, i) => values[directive] + (format.separators[i] ?? '')).join('');
}

/**
 * [head, rest] of `text` split at the first `separator`. A separator every valid value has
 * (a date's "-") is split as it is: a value without it gives an empty rest, which fails the
 * Cast like any value that is not a date (and if no value in the batch has it, the Gather
 * fails). An optional one (the time after "T") is appended first (`optional`), so every value
 * has a head and a rest; the rest then ends with the separator, so only heads are read from it.
 */
function splitOnce(g: GraphBuilder, text: string, separator: string, optional = false): [string, string] {
  const padded = optional ? g.op('StringConcat', [text, stringConstant(g, separator, 'date_separator')]) : text;
  const [pieces] = g.node({ opType: 'StringSplit', inputs: [padded], outputs: 2, attributes: { delimiter: attr.string(separator), maxsplit: attr.int(1) } });
  return [piece(g, pieces!, 0), piece(g, pieces!, 1)];
}

/** [N, 1] string: element `index` of the last axis of a StringSplit result [N, 1, K]. */
function piece(g: GraphBuilder, pieces: string, index: number): string {
  return g.op('Gather', [pieces, g.scalar('int64', index, 'date_piece')], { axis: attr.int(2) });
}

function toNumber(g: GraphBuilder, text: string): string {
  return g.op('Cast', [text], { to: attr.int(onnxDataType('float64')) });
}

/** YYYY-MM-DD, then T or a space and HH:MM…; the hour is 0 when there is no time. */
function isoComponents(g: GraphBuilder, text: string): Components {
  const [beforeSpace, afterSpace] = splitOnce(g, text, ' ', true);
  const [date, afterT] = splitOnce(g, beforeSpace, 'T', true);
  const [year, monthAndDay] = splitOnce(g, date, '-');
  const [month, day] = splitOnce(g, monthAndDay, '-');
  // One of the two is the time (with the separator splitOnce appended); "0" in front makes "" read as hour 0.
  const time = g.op('StringConcat', [stringConstant(g, '0', 'date_zero'), g.op('StringConcat', [afterSpace, afterT])]);
  const [hour] = splitOnce(g, time, ':', true);
  return { year: toNumber(g, year), month: toNumber(g, month), day: toNumber(g, day), hour: toNumber(g, hour) };
}

/** Directives separated by literal text: split at each separator in turn. */
function formatComponents(g: GraphBuilder, text: string, format: Extract<DateFormat, { kind: 'format' }>): Components {
  const texts = new Map<DateDirective, string>();
  let rest = text;
  format.directives.forEach((directive, i) => {
    const separator = format.separators[i];
    if (separator === undefined) {
      texts.set(directive, rest);
      return;
    }
    const [head, tail] = splitOnce(g, rest, separator);
    texts.set(directive, head);
    rest = tail;
  });
  const component = (directive: DateDirective) => {
    const value = texts.get(directive);
    return value === undefined ? g.constant({ type: 'float64', dims: [1, 1], values: [0], hint: 'date_no_hour' }) : toNumber(g, value);
  };
  return { year: component('Y'), month: component('m'), day: component('d'), hour: component('H') };
}

/**
 * The features from the components (float64 [N, 1]), with the formulas of date-features.ts;
 * days since the epoch is built once per column and shared by the features that need it.
 */
function dateFormulas(g: GraphBuilder, parts: Components): { feature: (feature: DateFeature) => string } {
  const c = (value: number) => g.constant({ type: 'float64', dims: [1, 1], values: [value], hint: 'date_const' });
  const add = (a: string, b: string) => g.op('Add', [a, b]);
  const sub = (a: string, b: string) => g.op('Sub', [a, b]);
  const mul = (a: string, k: number) => g.op('Mul', [a, c(k)]);
  const floorDiv = (a: string, k: number) => g.op('Floor', [g.op('Div', [a, c(k)])]);
  const daysFromCivil = (year: string, month: string, day: string) => {
    const afterFebruary = floorDiv(add(month, c(9)), 12);
    const shiftedYear = add(sub(year, c(1)), afterFebruary);
    const shiftedMonth = sub(add(month, c(9)), mul(afterFebruary, 12));
    const era = floorDiv(shiftedYear, 400);
    const yearOfEra = sub(shiftedYear, mul(era, 400));
    const dayOfShiftedYear = sub(add(floorDiv(add(mul(shiftedMonth, 153), c(2)), 5), day), c(1));
    const dayOfEra = add(sub(add(mul(yearOfEra, 365), floorDiv(yearOfEra, 4)), floorDiv(yearOfEra, 100)), dayOfShiftedYear);
    return sub(add(mul(era, 146097), dayOfEra), c(719468));
  };
  let days: string | undefined;
  const epochDays = () => (days ??= daysFromCivil(parts.year, parts.month, parts.day));
  return {
    feature: (feature) => {
      switch (feature) {
        case 'year':
        case 'month':
        case 'day':
        case 'hour':
          return parts[feature];
        case 'daysSinceEpoch':
          return epochDays();
        case 'dayOfWeek': {
          const shifted = add(epochDays(), c(3));
          return sub(shifted, mul(floorDiv(shifted, 7), 7));
        }
        case 'dayOfYear':
          return add(sub(epochDays(), daysFromCivil(parts.year, c(1), c(1))), c(1));
      }
    },
  };
}
