// Tests of environments.js: the list of environments the workflows read
// from the committed network stack files, its promotion order and the
// check of an environment given by hand.
// Run: node --test .github/scripts/*.test.js
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { list, order, promotion, check, POSITIONS } = require('./environments.js');
const { parseYAML } = require('./yaml.js');

const ROOT = path.join(__dirname, '..', '..');

// fixture writes a repository holding the given network and database stack
// files ({ 'network/Pulumi.dev.yaml': '...' }) and returns its root.
function fixture(files) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'environments-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, 'environments', rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return root;
}
const network = (env, tier = 'prod') => `config:\n  aws:region: eu-west-1\n  network:environment: ${env}\n  network:tier: ${tier}\n`;

test('the committed environments, in promotion order, are read from environments/network/', () => {
  const envs = list();
  const dir = path.join(ROOT, 'environments', 'network');
  const files = fs.readdirSync(dir).filter(f => /^Pulumi\..+\.yaml$/.test(f))
    .filter(f => !(parseYAML(fs.readFileSync(path.join(dir, f), 'utf8')).config || {})['network:recoveryOf']);
  assert.equal(envs.length, files.length, 'one environment per primary network stack file');
  assert.deepEqual(envs.map(e => e.name).slice(0, 3), ['dev', 'staging', 'prod']);
  for (const e of envs) assert.equal(e.file, `environments/network/Pulumi.${e.name}.yaml`);
});

test('a new environment is listed from its stack file alone, after prod, others by name', () => {
  const root = fixture({
    'network/Pulumi.qa.yaml': network('qa'),
    'network/Pulumi.prod.yaml': network('prod'),
    'network/Pulumi.dev.yaml': network('dev', 'dev'),
    'network/Pulumi.staging.yaml': network('staging', 'staging'),
    'network/Pulumi.euprod.yaml': network('euprod'),
  });
  assert.deepEqual(list(root).map(e => e.name), ['dev', 'staging', 'prod', 'euprod', 'qa']);
  assert.deepEqual(order([{ name: 'b' }, { name: 'prod' }, { name: 'a' }]).map(e => e.name), ['prod', 'a', 'b']);
});

test('the promotion order is the deploy tool\'s (shared/stacks Environments)', () => {
  const go = fs.readFileSync(path.join(ROOT, 'shared', 'stacks', 'stacks.go'), 'utf8');
  const rank = /func Environments\([\s\S]*?rank := map\[string\]int\{([^}]*)\}/.exec(go);
  assert.ok(rank, 'shared/stacks Environments no longer ranks environments with a map literal: compare its order with environments.js by hand');
  const goOrder = [...rank[1].matchAll(/"([a-z0-9]+)":\s*(\d+)/g)].sort((a, b) => a[2] - b[2]).map(m => m[1]);
  assert.deepEqual(order(goOrder.map(name => ({ name }))).map(e => e.name), goOrder);
  assert.deepEqual(goOrder, ['dev', 'staging', 'prod']);
});

test('a network stack file whose environment is not its name, or not a valid name, is refused by name', () => {
  assert.throws(() => list(fixture({ 'network/Pulumi.qa.yaml': network('test') })),
    /environments\/network\/Pulumi\.qa\.yaml: network:environment = "test" is not allowed: want "qa"/);
  assert.throws(() => list(fixture({ 'network/Pulumi.Qa.yaml': network('Qa') })),
    /network:environment = "Qa" is not allowed: want a lowercase name/);
  assert.throws(() => list(fixture({ 'database/Pulumi.x-dev.yaml': 'config: {}\n', 'network/.keep': '' })),
    /no network stack files/);
});

test('a recovery network belongs to its environment and adds none; one without its primary, or recovering another environment, is refused by name', () => {
  const recovery = (env, of = env) => network(env) + `  network:recoveryOf: ${of}\n`;
  const root = fixture({
    'network/Pulumi.dev.yaml': network('dev', 'dev'),
    'network/Pulumi.prod.yaml': network('prod'),
    'network/Pulumi.prod-dr.yaml': recovery('prod'),
    'network/Pulumi.dev-dr.yaml': recovery('dev'),
  });
  assert.deepEqual(list(root).map(e => e.name), ['dev', 'prod']);
  assert.equal(check(list(root), 'prod-dr'), 'environment "prod-dr" is not allowed: want one of dev, prod (the network stack files in environments/network/)');
  assert.throws(() => list(fixture({ 'network/Pulumi.dev.yaml': network('dev', 'dev'), 'network/Pulumi.prod-dr.yaml': recovery('prod') })),
    /environments\/network\/Pulumi\.prod-dr\.yaml: network:recoveryOf = "prod" is not allowed: environment "prod" has no primary network environments\/network\/Pulumi\.prod\.yaml/);
  assert.throws(() => list(fixture({ 'network/Pulumi.dev.yaml': network('dev', 'dev'), 'network/Pulumi.prod.yaml': network('prod'), 'network/Pulumi.prod-dr.yaml': recovery('prod', 'dev') })),
    /Pulumi\.prod-dr\.yaml: network:recoveryOf = "dev" is not allowed: want "prod", the stack's own environment/);
});

test('promotion gives one output per position, empty past the last environment, and refuses more environments than positions', () => {
  const envs = ['dev', 'staging', 'prod'].map(name => ({ name }));
  const lines = promotion(envs, 5);
  assert.deepEqual(lines, ['list=["dev","staging","prod"]', 'env1=dev', 'env2=staging', 'env3=prod', 'env4=', 'env5=']);
  const many = ['dev', 'staging', 'prod', 'a', 'b', 'c'].map(name => ({ name }));
  assert.throws(() => promotion(many, 5), /6 environments \(dev, staging, prod, a, b, c\) but deploy\.yml chains 5 positions: add a position job env6/);
  assert.ok(list().length <= POSITIONS, 'the committed environments fit deploy.yml\'s positions');
});

test('check names the environment or stack given by hand and what is allowed', () => {
  const root = fixture({
    'network/Pulumi.dev.yaml': network('dev', 'dev'),
    'network/Pulumi.prod.yaml': network('prod'),
    'database/Pulumi.orders-dev.yaml': 'config:\n  database:environment: dev\n',
  });
  const envs = list(root);
  assert.equal(check(envs, 'dev', undefined, root), null);
  assert.equal(check(envs, 'dev', 'orders-dev', root), null);
  assert.equal(check(envs, 'qa', undefined, root), 'environment "qa" is not allowed: want one of dev, prod (the network stack files in environments/network/)');
  assert.match(check(envs, 'prod', 'orders-dev', root), /^stack "orders-dev" is not allowed in environment "prod": environments\/database\/Pulumi\.orders-dev\.yaml is in environment "dev"$/);
  assert.match(check(envs, 'dev', 'billing-dev', root), /^stack "billing-dev" is not allowed: want a database stack/);
  assert.match(check(envs, 'dev', '../network/Pulumi.dev', root), /is not allowed: want a database stack/);
});

test('the command line prints GitHub outputs, and one ::error:: line for a bad environment', () => {
  const script = path.join(__dirname, 'environments.js');
  const out = execFileSync(process.execPath, [script, 'promotion'], { encoding: 'utf8' });
  assert.match(out, /^list=\["dev","staging","prod"[^\n]*\]\nenv1=dev\nenv2=staging\nenv3=prod\n/);
  let err;
  try {
    execFileSync(process.execPath, [script, 'check', 'production'], { encoding: 'utf8' });
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'check production succeeded');
  assert.equal(err.status, 1);
  assert.match(err.stdout, /^::error::environment "production" is not allowed: want one of dev, staging, prod/);
});
