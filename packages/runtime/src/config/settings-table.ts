import { ENV_SETTINGS } from './from-env.js';

/** The settings table of the README, made from `ENV_SETTINGS` so it cannot drift. */
export function settingsTable(): string {
  const rows = ENV_SETTINGS.map(
    ({ setting, names, kind, help }) =>
      `| \`${setting}\` | ${names.map((n) => `\`${n}\``).join(', ')} | ${kind} | ${help.replaceAll('|', '\\|')} |`,
  );
  return [
    '| setting (file) | environment (first set wins) | type | what it does |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
