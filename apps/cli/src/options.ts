import { InvalidArgumentError } from '@commander-js/extra-typings';
import { parseDuration } from './format.js';

export function integer(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function duration(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Repeatable `name=value` options. */
export function collectPair(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected name=value, got "${text}"`);
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) };
}

/** `logs/=30`: a prefix and a number of days. */
export function collectRule(
  text: string,
  previous: Array<{ prefix: string; days: number }> = [],
): Array<{ prefix: string; days: number }> {
  const eq = text.lastIndexOf('=');
  const days = Number(text.slice(eq + 1));
  if (eq < 0 || !Number.isInteger(days) || days < 1) {
    throw new InvalidArgumentError(
      `expected PREFIX=DAYS with a whole number of days (e.g. logs/=30), got "${text}"`,
    );
  }
  return [...previous, { prefix: text.slice(0, eq), days }];
}

export function byteRange(text: string): { start: number; end?: number } {
  const match = /^(\d+)-(\d*)$/.exec(text);
  if (match === null) throw new InvalidArgumentError('expected START-END or START- (bytes, inclusive)');
  const start = Number(match[1]);
  const end = match[2] === '' ? undefined : Number(match[2]);
  if (end !== undefined && end < start) throw new InvalidArgumentError('END must not be before START');
  return end === undefined ? { start } : { start, end };
}

/** Examples appended to a command's help. */
export function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
