import { ConfigError } from '@reproml/core';
import type { StageLocation } from './stage-location';

/**
 * How a date column's text is read. ISO-8601 (the default) or an explicit strftime-like
 * `format` made of numeric directives separated by literal text, e.g. "%d/%m/%Y %H:%M".
 * Both are parsed the same way by the TypeScript transform and inside preprocess.onnx
 * (by splitting at the literal separators), so a format is accepted only if the graph can
 * parse it too.
 */

/** The date/time components a date feature is computed from (hour is 0 when the text has no time). */
export interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
}

/** A numeric directive of a format and the component it holds. */
export type DateDirective = 'Y' | 'm' | 'd' | 'H' | 'M' | 'S';

export type DateFormat =
  | { kind: 'iso' }
  | {
      kind: 'format';
      format: string;
      /** Directives in text order, with the literal text after each (the last one has none). */
      directives: DateDirective[];
      separators: string[];
      regex: RegExp;
    };

export const ISO_DATE_FORMAT: DateFormat = { kind: 'iso' };

/** YYYY-MM-DD, optionally followed by T or a space, HH:MM[:SS[.fff]] and a zone (Z, ±HH[:MM]), which is ignored. */
const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DIRECTIVE_PATTERNS: Record<DateDirective, string> = {
  Y: '(\\d{4})',
  m: '(\\d{1,2})',
  d: '(\\d{1,2})',
  H: '(\\d{1,2})',
  M: '(\\d{1,2})',
  S: '(\\d{1,2})',
};

/**
 * Compiles a `format` (or ISO-8601 when absent). A format the graph cannot parse by
 * splitting (a directive other than %Y %m %d %H %M %S, two directives with nothing between
 * them, text before the first or after the last directive, digits in a separator, no
 * %Y/%m/%d) is a ConfigError naming the field.
 */
export function compileDateFormat(format: string | undefined, field: string, location: StageLocation): DateFormat {
  if (format === undefined) return ISO_DATE_FORMAT;
  const fail = (problem: string): never => {
    throw new ConfigError(`${field}: the date format ${JSON.stringify(format)} ${problem}`, {
      ...location,
      field,
      hint: 'preprocess.onnx parses dates by splitting the text at the literal separators, so a format is numeric directives (%Y %m %d %H %M %S) with a separator between each two, e.g. "%d/%m/%Y" or "%d.%m.%Y %H:%M". Leave "format" out for ISO-8601 dates. Otherwise convert the column in a custom transform (not part of preprocess.onnx).',
    });
  };
  const directives: DateDirective[] = [];
  const separators: string[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const char = format[i]!;
    if (char !== '%') {
      literal += char;
      continue;
    }
    const next = format[++i];
    if (next === '%') {
      literal += '%';
      continue;
    }
    if (next === undefined || !(next in DIRECTIVE_PATTERNS)) {
      fail(`uses %${next ?? ''}, which preprocess.onnx cannot parse (supported: %Y %m %d %H %M %S)`);
    }
    if (directives.length === 0 && literal) fail(`has text before its first directive (${JSON.stringify(literal)})`);
    if (directives.length > 0) {
      if (!literal) fail(`has two directives with no separator between them (%${directives.at(-1)}%${next})`);
      if (/\d/.test(literal)) fail(`has a digit in a separator (${JSON.stringify(literal)})`);
      separators.push(literal);
    }
    literal = '';
    const directive = next as DateDirective;
    if (directives.includes(directive)) fail(`uses %${directive} twice`);
    directives.push(directive);
  }
  if (literal) fail(`has text after its last directive (${JSON.stringify(literal)})`);
  for (const needed of ['Y', 'm', 'd'] as const) if (!directives.includes(needed)) fail(`has no %${needed} (a date needs %Y, %m and %d)`);
  let pattern = '^';
  directives.forEach((directive, i) => {
    pattern += DIRECTIVE_PATTERNS[directive];
    if (i < separators.length) pattern += escapeRegExp(separators[i]!);
  });
  return { kind: 'format', format, directives, separators, regex: new RegExp(`${pattern}$`) };
}

/** The components of a date text, or undefined when it does not match the format or is not a real date/time. */
export function parseDate(text: string, format: DateFormat): DateParts | undefined {
  let parts: DateParts & { minute: number; second: number };
  if (format.kind === 'iso') {
    const match = ISO_PATTERN.exec(text);
    if (!match) return undefined;
    parts = { year: +match[1]!, month: +match[2]!, day: +match[3]!, hour: +(match[4] ?? 0), minute: +(match[5] ?? 0), second: +(match[6] ?? 0) };
  } else {
    const match = format.regex.exec(text);
    if (!match) return undefined;
    const value = (directive: DateDirective) => {
      const index = format.directives.indexOf(directive);
      return index < 0 ? 0 : +match[index + 1]!;
    };
    parts = { year: value('Y'), month: value('m'), day: value('d'), hour: value('H'), minute: value('M'), second: value('S') };
  }
  const valid =
    parts.month >= 1 &&
    parts.month <= 12 &&
    parts.day >= 1 &&
    parts.day <= daysInMonth(parts.year, parts.month) &&
    parts.hour <= 23 &&
    parts.minute <= 59 &&
    parts.second <= 60;
  return valid ? { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour } : undefined;
}

/** An example of what the format accepts, for messages. */
export function describeDateFormat(format: DateFormat): string {
  return format.kind === 'iso' ? 'ISO-8601 (e.g. "2024-02-29" or "2024-02-29T13:45:00")' : JSON.stringify(format.format);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
