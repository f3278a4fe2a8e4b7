import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, cleanEnv, explain, shell, stowage, tempDir } from './helpers.js';

const COMMANDS = [
  'put',
  'get',
  'cat',
  'ls',
  'rm',
  'head',
  'cp',
  'mv',
  'presign',
  'sync',
  'verify',
  'buckets',
  'buckets lifecycle',
  'index',
  'keys',
  'db',
  'rollout',
  'migrate',
  'completion',
];

describe('stowage usage', () => {
  it('unknown commands and flags exit 2 with a suggestion', async () => {
    const env = cleanEnv();
    const command = await stowage(['lss'], { env });
    expect(command.code, explain(command)).toBe(2);
    expect(command.stderr).toContain("unknown command 'lss'");
    expect(command.stderr).toContain('Did you mean ls?');
    const flag = await stowage(['ls', '--recursve'], { env });
    expect(flag.code, explain(flag)).toBe(2);
    expect(flag.stderr).toContain('Did you mean --recursive?');
    const nested = await stowage(['buckets', 'lifecycle', 'sett'], { env });
    expect(nested.code, explain(nested)).toBe(2);
    expect(nested.stderr).toContain('Did you mean set?');
    const badValue = await stowage(['rollout', 'set', 'fifty'], { env });
    expect(badValue.code, explain(badValue)).toBe(2);
    expect(badValue.stderr).toContain('must be a whole number from 0 to 100');
    const missingArg = await stowage(['cp', 'only-one'], { env });
    expect(missingArg.code, explain(missingArg)).toBe(2);
    const nothing = await stowage([], { env });
    expect(nothing.code, explain(nothing)).toBe(2);
    expect(nothing.stderr).toContain('Usage: stowage');
  });

  it('--help of the program and of every command shows examples; --version prints the version', async () => {
    const env = cleanEnv();
    const main = await stowage(['--help'], { env });
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Examples:');
    expect(main.stdout).toContain('Exit codes: 0 ok, 1 failed, 2 usage, 3 not found, 4 differences');
    const helps = await shell(
      COMMANDS.map((c) => `stowage ${c} --help | grep -q '^Examples:' || echo "no examples: ${c}"`).join(
        '\n',
      ),
      { env },
    );
    expect(helps.stdout, explain(helps)).toBe('');
    expect((await stowage(['--version'], { env })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('configuration errors exit 2 and name the setting, never a secret value', async () => {
    const dataDir = await tempDir('usage');
    const badMode = await stowage(['ls'], {
      env: cleanEnv({ STOWAGE_MODE: 'ftp', STOWAGE_DATA_DIR: dataDir }),
    });
    expect(badMode.code, explain(badMode)).toBe(2);
    expect(badMode.stderr).toMatch(/ConfigInvalid: .*mode/);
    const typo = await stowage(['ls'], {
      env: cleanEnv({ STOWAGE_MDOE: 'local', STOWAGE_DATA_DIR: dataDir }),
    });
    expect(typo.code, explain(typo)).toBe(2);
    expect(typo.stderr).toContain('STOWAGE_MDOE');
    const secret = 'do-not-print-this-secret-0123';
    const noBucket = await stowage(['ls'], {
      env: cleanEnv({ STOWAGE_MODE: 's3', S3_SECRET_ACCESS_KEY: secret, S3_ACCESS_KEY_ID: 'AKIA' }),
    });
    expect(noBucket.code, explain(noBucket)).toBe(2);
    expect(noBucket.stderr).toContain('s3.bucket');
    expect(noBucket.stderr).toContain('S3_BUCKET');
    expect(noBucket.stderr).not.toContain(secret);
    const flagMode = await stowage(['--mode', 'memory', 'migrate'], { env: cleanEnv() });
    expect(flagMode.code, explain(flagMode)).toBe(2);
    expect(flagMode.stderr).toContain('migrate needs hybrid mode');
    const noBuckets = await stowage(['buckets', 'ls'], { env: cleanEnv({ STOWAGE_DATA_DIR: dataDir }) });
    expect(noBuckets.code, explain(noBuckets)).toBe(2);
    expect(noBuckets.stderr).toContain('S3-family');
    const json = await stowage(['--json', '--mode', 'ftp', 'ls'], { env: cleanEnv() });
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { kind: 'ConfigInvalid' }, exitCode: 2 });
  });

  it('bash completion completes commands, subcommands and options; the zsh script parses', async () => {
    const env = cleanEnv();
    const complete = (words: string) =>
      shell(
        `source <(stowage completion bash)
COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _stowage; echo "\${COMPREPLY[*]}"`,
        { env },
      );
    expect((await complete('stowage bu')).stdout.trim()).toBe('buckets');
    expect((await complete('stowage buckets lifecycle s')).stdout.trim().split(' ').sort()).toEqual([
      'set',
      'sweep',
    ]);
    expect((await complete('stowage sync --del')).stdout.trim()).toBe('--delete');
    expect((await complete('stowage --json ls --recu')).stdout.trim()).toBe('--recursive');
    const zsh = await stowage(['completion', 'zsh'], { env });
    expect(zsh.stdout).toContain('#compdef stowage');
    if (spawnSync('zsh', ['--version']).status === 0) {
      const parsed = spawnSync('zsh', ['-n'], { input: zsh.stdout });
      expect(parsed.status, parsed.stderr.toString()).toBe(0);
    }
    const unknown = await stowage(['completion', 'fish'], { env });
    expect(unknown.code).toBe(2);
    expect(BIN).toMatch(/dist\/bin\.js$/);
  });
});
