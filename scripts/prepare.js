'use strict';
/**
 * Makes a checkout runnable with nothing but Node and npm: installs the locked dependencies when
 * they are missing or older than package-lock.json, and builds when the build is missing or older
 * than the sources. Used by `npm start` and `npm test`, so each is one command on a fresh clone.
 * Only Node built-ins here: this runs before the dependencies exist.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function run(command, args) {
  process.stderr.write(`> ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function ensureDependencies() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
}

function ensureBuild() {
  const built = join(root, 'dist', 'src', 'main.js');
  const sources = Math.max(
    ...['src', 'migrations', 'web', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((p) =>
      newestMtime(join(root, p)),
    ),
  );
  if (!existsSync(built) || statSync(built).mtimeMs < sources) run('npm', ['run', 'build', '--silent']);
}

module.exports = { ensureDependencies, ensureBuild };

if (require.main === module) {
  ensureDependencies();
  ensureBuild();
}
