// Tests of what the workflows say, read with the YAML parser (yaml.js):
// CI on today's runners, the pins, the gate a pull request cannot switch
// off, the deploy gate, the environments and roles, the concurrency
// groups, CODEOWNERS and the documents that describe them.
// Run: node --test .github/scripts/*.test.js
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { parseYAML } = require('./yaml.js');
const { pinProblems, usesOf } = require('./pins.js');
const environments = require('./environments.js');

const GH = path.join(__dirname, '..');
const ROOT = path.join(GH, '..');
const read = p => fs.readFileSync(path.join(ROOT, p), 'utf8');

function workflows() {
  const dir = path.join(GH, 'workflows');
  const out = {};
  for (const f of fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort()) {
    out[f] = parseYAML(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return out;
}
const WF = workflows();
const stepsOf = job => job.steps || [];
const runOf = job => stepsOf(job).map(s => s.run || '').join('\n');
const usesIn = (job, action) => stepsOf(job).filter(s => typeof s.uses === 'string' && s.uses.split('@')[0] === action);
const triggers = wf => Object.keys(wf.on || {});

// ---- CI on today's runners -------------------------------------------------

test('make lint runs the node tests with a file glob (Node 22 loads a folder argument as a module)', () => {
  const make = read('Makefile');
  const lint = /^lint:.*\n((?:\t.*\n)+)/m.exec(make);
  assert.ok(lint, 'no lint target');
  const node = /node --test (\S+)/.exec(lint[1]);
  assert.ok(node, 'make lint does not run node --test');
  assert.match(node[1], /^\.github\/scripts\/\*\.test\.js$/, `make lint passes ${node[1]} to node --test`);
});

test('CI installs the Node it tests with and runs the node tests on Node 20, 22 and 24', () => {
  const ci = WF['ci.yml'];
  const nodes = new Set();
  let globRuns = 0;
  for (const [name, job] of Object.entries(ci.jobs)) {
    const setup = usesIn(job, 'actions/setup-node');
    const runsTests = /node --test|make lint\b/.test(runOf(job));
    if (!runsTests) continue;
    assert.equal(setup.length, 1, `ci.yml job ${name} runs the node tests without installing Node (actions/setup-node)`);
    const idxSetup = stepsOf(job).indexOf(setup[0]);
    const idxTests = stepsOf(job).findIndex(s => /node --test|make lint\b/.test(s.run || ''));
    assert.ok(idxSetup < idxTests, `ci.yml job ${name} installs Node after running its tests`);
    const v = String(setup[0].with && setup[0].with['node-version']);
    if (/matrix\.node/.test(v)) {
      for (const n of job.strategy.matrix.node) nodes.add(String(n));
    } else {
      nodes.add(v);
    }
    for (const m of runOf(job).matchAll(/node --test (\S+)/g)) {
      assert.equal(m[1], '.github/scripts/*.test.js', `ci.yml job ${name}: node --test ${m[1]}`);
      globRuns++;
    }
  }
  assert.ok(nodes.has('20') && nodes.has('22') && nodes.has('24'), `the node tests run on Node ${[...nodes].join(', ')}; want 20, 22 and 24`);
  assert.ok(globRuns >= 1, 'no ci.yml job runs node --test with the glob itself');
});

test('every job runs on the ubuntu-24.04 image, not a moving label', () => {
  for (const [f, wf] of Object.entries(WF)) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (job.uses) continue;
      assert.doesNotMatch(String(job['runs-on']), /ubuntu-latest/, `${f} job ${name}`);
      assert.match(String(job['runs-on']), /ubuntu-24\.04/, `${f} job ${name} runs on ${job['runs-on']}`);
    }
  }
});

const RUNTIMES = JSON.parse(read('.github/action-runtimes.json'));

test('pinProblems refuses a node20 pin, a pin missing from the table and a wrong release comment', () => {
  const text = [
    '      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2',
    '      - uses: actions/cache@1111111111111111111111111111111111111111 # v9.9.9',
    '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v4.0.0',
    '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
    '      - uses: ./.github/actions/setup',
  ].join('\n');
  const p = pinProblems(text, RUNTIMES);
  assert.deepEqual(p.map(x => x.line), [1, 2, 3]);
  assert.match(p[0].problem, /node20, a retired runtime/);
  assert.match(p[1].problem, /not in \.github\/action-runtimes\.json/);
  assert.match(p[2].problem, /release comment "v4\.0\.0" but the commit is v5\.0\.0/);
});

test('every pinned action runs on a current runtime, per the verified table', () => {
  const files = [
    ...Object.keys(WF).map(f => path.join(GH, 'workflows', f)),
    ...fs.readdirSync(path.join(GH, 'actions')).map(d => path.join(GH, 'actions', d, 'action.yml')).filter(f => fs.existsSync(f)),
  ];
  let pins = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    pins += usesOf(text).filter(u => !u.ref.startsWith('./')).length;
    assert.deepEqual(pinProblems(text, RUNTIMES), [], path.relative(ROOT, f));
  }
  assert.ok(pins >= 10, `only ${pins} pins found`);
});

test('every artifact name carries the run attempt (re-running failed jobs must not collide)', () => {
  let n = 0;
  for (const [f, wf] of Object.entries(WF)) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      for (const s of usesIn(job, 'actions/upload-artifact')) {
        n++;
        assert.match(String(s.with.name), /\$\{\{\s*github\.run_attempt\s*\}\}/, `${f} job ${name}: artifact ${s.with.name}`);
      }
    }
  }
  assert.ok(n >= 4, `only ${n} uploads found`);
});

test('setup-go installs exactly the Go of go.work\'s toolchain line, which every module accepts', () => {
  const work = read('go.work');
  const tc = /^toolchain go(1\.\d+\.\d+)$/m.exec(work);
  assert.ok(tc, 'go.work has no exact toolchain line (toolchain go1.X.Y): setup-go would install the go line\'s minimum');
  const setup = parseYAML(read('.github/actions/setup/action.yml'));
  const goSteps = setup.runs.steps.filter(s => typeof s.uses === 'string' && s.uses.startsWith('actions/setup-go@'));
  assert.equal(goSteps.length, 1);
  assert.equal(goSteps[0].with['go-version-file'], 'go.work');
  assert.equal(goSteps[0].with['go-version'], undefined, 'a go-version overrides go.work');
  const before = setup.runs.steps.slice(0, setup.runs.steps.indexOf(goSteps[0]));
  for (const s of before) assert.doesNotMatch(JSON.stringify(s.env || {}), /GOTOOLCHAIN/, 'GOTOOLCHAIN=local before setup-go makes it ignore the toolchain line');
  for (const [f, wf] of Object.entries(WF)) {
    assert.doesNotMatch(JSON.stringify(wf), /actions\/setup-go@|GOTOOLCHAIN|go-version/, `${f} sets up Go itself; use .github/actions/setup`);
  }
  const want = tc[1].split('.').map(Number);
  for (const mod of ['shared', 'network', 'database', 'scripts', 'e2e', 'tools/pulumi', 'tools/actionlint']) {
    const m = /^go (\d+\.\d+(?:\.\d+)?)$/m.exec(read(`${mod}/go.mod`));
    const v = m[1].split('.').map(Number);
    const older = (v[0] - want[0]) || (v[1] - want[1]) || ((v[2] || 0) - want[2]);
    assert.ok(older <= 0, `${mod}/go.mod needs go ${m[1]}, newer than go.work's toolchain ${tc[1]}`);
  }
  const goWorkGo = /^go (\d+\.\d+\.\d+)$/m.exec(work)[1];
  assert.equal(goWorkGo.split('.').slice(0, 2).join('.'), tc[1].split('.').slice(0, 2).join('.'), 'go.work\'s go and toolchain lines name different Go releases');
});

// ---- the preview gate ---------------------------------------------------------

const PREVIEW = WF['preview.yml'];
const BASE_REF = /^\$\{\{\s*github\.event\.pull_request\.base\.sha\s*\}\}$/;

// The step that puts code at the workspace root: a checkout without path.
function rootCheckouts(job) {
  return usesIn(job, 'actions/checkout').filter(s => !(s.with && s.with.path));
}

test('the gate\'s code comes from the base branch: affected and report check out the base commit only', () => {
  for (const name of ['affected', 'report']) {
    const job = PREVIEW.jobs[name];
    const roots = rootCheckouts(job);
    assert.equal(roots.length, 1, `preview.yml job ${name}: one checkout at the workspace root`);
    assert.match(String(roots[0].with && roots[0].with.ref), BASE_REF, `preview.yml job ${name} builds its tools from the pull request`);
    const idx = stepsOf(job).indexOf(roots[0]);
    const setup = stepsOf(job).findIndex(s => s.uses === './.github/actions/setup');
    assert.ok(setup > idx, `preview.yml job ${name}: the setup action must come from the base checkout`);
  }
  const calls = runOf(PREVIEW.jobs.affected).match(/bin\/affected\b[^\n]*/g) || [];
  assert.ok(calls.length > 0, 'the affected job runs no bin/affected');
  for (const c of calls) assert.match(c, /^bin\/affected --root pr\b/, `affected must read the pull request's tree (pr/) with the base branch's rules: ${c}`);
  assert.match(PREVIEW.jobs.report.steps.find(s => s.uses === './.github/actions/setup').with.commands, /\bpreview-report\b/);
});

test('no job that can write to the pull request runs the pull request\'s code', () => {
  for (const [name, job] of Object.entries(PREVIEW.jobs)) {
    const perms = job.permissions || PREVIEW.permissions || {};
    const writes = Object.entries(perms).filter(([, v]) => v === 'write').map(([k]) => k);
    if (writes.filter(k => k !== 'id-token').length === 0) continue;
    for (const s of rootCheckouts(job)) {
      assert.match(String(s.with && s.with.ref), BASE_REF, `preview.yml job ${name} holds ${writes} and checks out the pull request`);
    }
  }
});

test('the gate job always runs, needs every other job and fails on any stage that did not succeed', () => {
  const gate = PREVIEW.jobs.gate;
  assert.ok(gate, 'preview.yml has no gate job');
  assert.equal(gate.if, 'always()', 'a skipped gate counts as passing: it must always run');
  assert.deepEqual([...gate.needs].sort(), Object.keys(PREVIEW.jobs).filter(j => j !== 'gate').sort());
  assert.equal(gate['continue-on-error'], undefined);
  const script = gate.steps.map(s => s.run).join('\n');
  const run = envs => {
    try {
      execFileSync('bash', ['-euo', 'pipefail', '-c', script], { env: { PATH: process.env.PATH, ...envs }, stdio: 'pipe' });
      return 0;
    } catch (e) {
      return e.status;
    }
  };
  const ok = { AFFECTED: 'success', COUNT: '2', PREVIEW: 'success', REPORT: 'success' };
  assert.equal(run(ok), 0);
  assert.equal(run({ ...ok, COUNT: '0', PREVIEW: 'skipped' }), 0, 'nothing affected needs no preview');
  assert.equal(run({ ...ok, AFFECTED: 'failure', COUNT: '', PREVIEW: 'skipped', REPORT: 'skipped' }), 1, 'affected failed');
  assert.equal(run({ ...ok, AFFECTED: 'cancelled', COUNT: '', PREVIEW: 'skipped', REPORT: 'skipped' }), 1, 'affected cancelled');
  assert.equal(run({ ...ok, PREVIEW: 'skipped' }), 1, 'previews missing');
  assert.equal(run({ ...ok, PREVIEW: 'failure' }), 1, 'a preview failed');
  assert.equal(run({ ...ok, REPORT: 'skipped' }), 1, 'report skipped');
  assert.equal(run({ ...ok, REPORT: 'failure' }), 1, 'the gate in the report blocked');
});

test('no job of preview.yml can be skipped by a label event, and the concurrency group ignores labels', () => {
  for (const [name, job] of Object.entries(PREVIEW.jobs)) {
    assert.doesNotMatch(String(job.if || ''), /event\.label|event\.action/, `preview.yml job ${name} is skipped on some label events`);
  }
  assert.doesNotMatch(String(PREVIEW.concurrency.group), /label/, 'a label-specific group lets a skipped run report on the head commit');
});

test('a cancelled run writes no comment and the comment step checks the head is still current', () => {
  const report = PREVIEW.jobs.report;
  assert.match(report.if, /!cancelled\(\)/);
  assert.doesNotMatch(report.if, /always\(\)/, 'always() runs the report after a cancel');
  const comment = report.steps.find(s => /pr-comment\.js/.test((s.with && s.with.script) || ''));
  assert.ok(comment, 'no comment step');
  assert.match(String(comment.if), /!cancelled\(\)/);
  assert.match(comment.with.script, /headSha:\s*context\.payload\.pull_request\.head\.sha/);
  const gateStep = report.steps.find(s => /bin\/preview-report/.test(s.run || '') && !/--no-gate/.test(s.run || ''));
  assert.ok(gateStep, 'the report job runs no gate');
  assert.ok(report.steps.indexOf(gateStep) > report.steps.indexOf(comment), 'the gate runs after the comment, so a blocked change still shows its report');
});

test('the override comes from override.js for the head commit, never from the label list alone', () => {
  for (const [f, wf] of Object.entries(WF)) {
    const text = JSON.stringify(wf);
    assert.doesNotMatch(text, /\/labels\b|pull_request\.labels|contains\(github\.event/, `${f} reads the labels directly`);
  }
  const report = PREVIEW.jobs.report;
  const ov = report.steps.find(s => s.id === 'override');
  assert.match(ov.with.script, /overrideFor\(/);
  assert.match(ov.with.script, /headSha: context\.payload\.pull_request\.head\.sha/);
  assert.match(ov.with.script, /author: context\.payload\.pull_request\.user\.login/);
  assert.match(JSON.stringify(report.steps.map(s => s.env || {})), /steps\.override\.outputs\.allow/);
});

// ---- deploys ----------------------------------------------------------------------

test('every job that runs bin/deploy up first previews afresh and gates the preview, allowing destructive changes only from the merged pull request\'s override', () => {
  let n = 0;
  for (const [f, wf] of Object.entries(WF)) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      const steps = stepsOf(job);
      const up = steps.findIndex(s => /bin\/deploy up\b/.test(s.run || ''));
      if (up < 0) continue;
      n++;
      const preview = steps.findIndex(s => /bin\/deploy preview\b.*--json-dir/.test(s.run || ''));
      const gate = steps.findIndex(s => /bin\/preview-report\b/.test(s.run || '') && !/--no-gate/.test(s.run || ''));
      assert.ok(preview >= 0 && preview < up, `${f} job ${name} runs up without a fresh preview first`);
      assert.ok(gate > preview && gate < up, `${f} job ${name} runs up without the gate on that preview`);
      for (const s of [steps[preview], steps[gate]]) assert.notEqual(s['continue-on-error'], true, `${f} job ${name}: a failed preview or gate must stop the deploy`);
      assert.doesNotMatch(steps[gate].run, /--no-gate/);
      assert.match(steps[gate].run, /--expect\b/, `${f} job ${name}: a stack missing from the preview must block`);
      const allow = /--allow-destructive/.test(steps[gate].run);
      if (allow) {
        assert.match(JSON.stringify(steps[gate].env), /steps\.override\.outputs\.allow/);
        const ov = steps.find(s => s.id === 'override');
        assert.match(ov.with.script, /overrideForMergedCommit\(/, `${f} job ${name}: the override must be the merged pull request's, for its head commit`);
        assert.match(steps[gate].run, /--approved approved\.md --approved-commit "\$APPROVED_COMMIT"/, `${f} job ${name}: the override must cover only what the pull request's report showed`);
        assert.match(ov.with.script, /approvedReport\(/, `${f} job ${name}: the approved list comes from the pull request's report comment`);
        assert.match(JSON.stringify(steps[gate].env), /steps\.override\.outputs\.head/);
      }
    }
  }
  assert.ok(n >= 1, 'no job runs bin/deploy up');
});

// ---- concurrency -------------------------------------------------------------------

const group = c => (c && typeof c === 'object' ? String(c.group) : String(c || ''));

// callersOf lists the jobs (in any workflow) that call workflow file f.
function callersOf(f) {
  const out = [];
  for (const [g, wf] of Object.entries(WF)) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (job.uses === `./.github/workflows/${f}`) out.push({ file: g, name, job });
    }
  }
  return out;
}

test('every job that changes stacks runs inside its environment\'s deploy- group, never cancelled', () => {
  const writes = /bin\/deploy (up|destroy|refresh)\b/;
  let checked = 0;
  for (const [f, wf] of Object.entries(WF)) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (!writes.test(runOf(job))) continue;
      checked++;
      const own = job.concurrency || wf.concurrency;
      if (own) {
        const env = /--env\s+"?([a-z0-9]+)"?(\s|$)/m.exec(runOf(job));
        const want = env ? `deploy-${env[1]}` : null;
        if (want) assert.equal(group(own), want, `${f} job ${name}`);
        else assert.match(group(own), /^deploy-\$\{\{\s*(inputs|matrix)\.environment\s*\}\}$/, `${f} job ${name}`);
        assert.equal(own['cancel-in-progress'], false, `${f} job ${name} may be cancelled mid-deploy`);
        continue;
      }
      // A called workflow: each caller holds the group of the environment it passes.
      assert.deepEqual(triggers(wf), ['workflow_call'], `${f} job ${name} changes stacks outside a deploy-<env> concurrency group`);
      const callers = callersOf(f);
      assert.ok(callers.length > 0, `${f} is called by no job`);
      for (const c of callers) {
        assert.equal(group(c.job.concurrency), `deploy-${c.job.with.environment}`, `${c.file} job ${c.name} calls ${f} for ${c.job.with.environment} outside its deploy group`);
        assert.equal(c.job.concurrency['cancel-in-progress'], false, `${c.file} job ${c.name} may be cancelled mid-deploy`);
      }
    }
  }
  assert.ok(checked >= 1, 'no job changes stacks');
});

test('verify runs inside the deploy\'s group: every call of verify.yml is within a call that holds deploy-<env>', () => {
  const callers = callersOf('verify.yml');
  assert.ok(callers.length > 0);
  for (const c of callers) {
    assert.equal(c.job.with.environment, '${{ inputs.environment }}', `${c.file} job ${c.name}`);
    const outer = callersOf(c.file);
    assert.ok(outer.length >= 3, `${c.file} is called for fewer than three environments`);
    for (const o of outer) {
      assert.equal(group(o.job.concurrency), `deploy-${o.job.with.environment}`, `${o.file} job ${o.name}: verify of ${o.job.with.environment} outside its deploy group`);
    }
  }
});

test('the drills never join (and so never cancel) a deploy group', () => {
  let n = 0;
  for (const [f, wf] of Object.entries(WF)) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (!/bin\/(failover-drill|restore-drill)\b/.test(runOf(job))) continue;
      n++;
      for (const c of [wf.concurrency, job.concurrency]) {
        assert.doesNotMatch(group(c), /^deploy-/i, `${f} job ${name} joins a deploy group, where it could replace a waiting deploy`);
      }
      assert.ok(group(wf.concurrency || job.concurrency), `${f} job ${name}: one drill at a time needs a group of its own`);
    }
  }
  assert.equal(n, 2, 'want the two drill jobs');
});

// ---- environments and roles ---------------------------------------------------------

test('every job that can get an AWS role runs in an environment, and each kind of job in its own', () => {
  const want = {
    'preview.yml/preview': '${{ matrix.environment }}-read',
    'drift.yml/drift': '${{ matrix.environment }}-drift',
    'deploy-env.yml/deploy': '${{ inputs.environment }}',
    'verify.yml/verify': '${{ inputs.environment }}-verify',
    'restore-drill.yml/drill': 'staging-restore-drill',
    'failover-drill.yml/drill': '${{ inputs.environment }}-failover-drill',
  };
  const seen = {};
  for (const [f, wf] of Object.entries(WF)) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (job.uses) continue;
      const perms = job.permissions || wf.permissions || {};
      const aws = usesIn(job, 'aws-actions/configure-aws-credentials').length > 0;
      if (perms['id-token'] !== 'write' && !aws) continue;
      assert.ok(job.environment, `${f} job ${name} can get a role outside any environment`);
      seen[`${f}/${name}`] = job.environment;
    }
  }
  assert.deepEqual(seen, want);
});

test('pull-request workflows only ever reach the -read environments', () => {
  for (const [f, wf] of Object.entries(WF)) {
    if (!triggers(wf).some(t => t.startsWith('pull_request'))) continue;
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (job.environment) assert.match(String(job.environment), /-read$/, `${f} job ${name}`);
      assert.ok(!job.uses || !/deploy|verify|drill/.test(job.uses), `${f} job ${name} calls ${job.uses}`);
      assert.doesNotMatch(JSON.stringify(job['runs-on']), /DATABASE_RUNNER/, `${f} job ${name} runs pull-request code on the in-VPC runner`);
    }
  }
});

const POLICIES = path.join(GH, 'policies');
const policy = name => JSON.parse(fs.readFileSync(path.join(POLICIES, `${name}.json`), 'utf8'));
const actionsOf = p => p.Statement.filter(s => s.Effect === 'Allow').flatMap(s => [].concat(s.Action));

test('the read role used by previews reads the state and decrypts it, nothing else', () => {
  const p = policy('read');
  const allowed = new Set(['s3:ListBucket', 's3:GetObject', 'kms:Decrypt', 'ec2:DescribeAvailabilityZones']);
  for (const a of actionsOf(p)) assert.ok(allowed.has(a), `read.json allows ${a}`);
  for (const s of p.Statement) {
    assert.equal(s.NotAction, undefined);
    if ([].concat(s.Action).some(a => a.startsWith('s3:'))) assert.match(String(s.Resource), /^arn:aws:s3:::pgplatform-state-<env>(\/\*)?$/, 'read.json: S3 beyond the state bucket');
    if ([].concat(s.Action).includes('kms:Decrypt')) assert.match(JSON.stringify(s.Condition), /kms:ResourceAliases.*alias\/pgplatform-state-<env>/, 'read.json decrypts with keys other than the state key');
  }
});

test('no role a pull request or the drift check reaches can read a secret or connect to a database', () => {
  for (const name of ['read', 'drift']) {
    for (const a of actionsOf(policy(name))) {
      assert.doesNotMatch(a, /^(secretsmanager|rds-db|ssm):|\*$|^\*/, `${name}.json allows ${a}`);
      assert.doesNotMatch(a, /^(s3:(Put|Delete)|kms:(Encrypt|GenerateDataKey|CreateGrant))/, `${name}.json can write: ${a}`);
    }
  }
});

test('WORKFLOWS.md documents every environment the workflows use and quotes every role policy exactly', () => {
  const doc = read('.github/WORKFLOWS.md');
  const envs = new Set();
  for (const wf of Object.values(WF)) {
    for (const job of Object.values(wf.jobs)) {
      if (!job.environment) continue;
      const e = String(job.environment);
      if (/inputs\.environment|matrix\.environment/.test(e)) {
        for (const env of environments.list().map(x => x.name)) envs.add(e.replace(/\$\{\{[^}]*\}\}/, env));
      } else envs.add(e);
    }
  }
  for (const e of envs) assert.match(doc, new RegExp('`' + e.replace(/[-]/g, '\\-') + '`'), `WORKFLOWS.md does not name the environment ${e}`);
  const files = fs.readdirSync(POLICIES).filter(f => f.endsWith('.json')).sort();
  for (const want of ['deploy.json', 'read.json', 'drift.json']) assert.ok(files.includes(want), `.github/policies/${want} missing`);
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map(m => m[1]);
  for (const f of files) {
    const text = fs.readFileSync(path.join(POLICIES, f), 'utf8');
    assert.ok(blocks.includes(text), `WORKFLOWS.md does not quote .github/policies/${f} exactly (run: node .github/scripts/sync-docs.js)`);
  }
});

// ---- CODEOWNERS and the threat model --------------------------------------------------

// owners returns the owners of path p under CODEOWNERS text: the last
// matching line wins (GitHub's rule). Patterns: /dir/, dir/, /file, *.ext.
function owners(text, p) {
  let found = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [pat, ...who] = line.split(/\s+/);
    const anchored = pat.startsWith('/');
    let re = pat.replace(/^\//, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*');
    if (pat.endsWith('/')) re += '.*';
    re = (anchored ? '^' : '(^|.*/)') + re + (pat.endsWith('/') ? '' : '(/.*)?') + '$';
    if (new RegExp(re).test(p)) found = who;
  }
  return found;
}

test('CODEOWNERS gives an owner to the workflows, the gate, the affected rules and the guardrails', () => {
  const text = read('.github/CODEOWNERS');
  const must = [
    '.github/workflows/preview.yml', '.github/CODEOWNERS', '.github/scripts/override.js', '.github/policies/read.json',
    'scripts/internal/report/gate.go', 'scripts/internal/report/stateful.go', 'scripts/cmd/preview-report/main.go',
    'scripts/internal/report/reportcmd/reportcmd.go', 'scripts/internal/affected/affectedcmd/affectedcmd.go', 'scripts/internal/cli/flags.go',
    'scripts/internal/affected/affected.go', 'scripts/cmd/affected/main.go',
    'shared/guardrails/rules.go', 'scripts/internal/deploy/run.go', 'scripts/cmd/deploy/main.go', 'docs/guardrails.md', 'docs/THREAT-MODEL.md',
  ];
  for (const p of must) assert.ok(owners(text, p).length > 0 && owners(text, p).every(o => /^@/.test(o)), `CODEOWNERS leaves ${p} without an owner`);
  assert.deepEqual(owners('/.github/ @a\n/.github/x @b\n', '.github/x'), ['@b'], 'the last match wins');
  assert.deepEqual(owners('/scripts/report/ @a\n', 'scripts/reporter/x.go'), [], 'a folder pattern is not a prefix match');
});

test('the threat model is one page, linked from README and WORKFLOWS.md, and names each route', () => {
  const tm = read('docs/THREAT-MODEL.md');
  assert.ok(tm.split('\n').length <= 90, `docs/THREAT-MODEL.md is ${tm.split('\n').length} lines: keep it to one page`);
  assert.match(read('README.md'), /\]\(docs\/THREAT-MODEL\.md\)/);
  assert.match(read('.github/WORKFLOWS.md'), /\]\(\.\.\/docs\/THREAT-MODEL\.md\)/);
  for (const w of ['preview', 'override', 'gate', 'verify', 'drill', 'CODEOWNERS', 'fork', 'cache', 'artifact']) {
    assert.match(tm, new RegExp(w, 'i'), `the threat model says nothing of ${w}`);
  }
});

test('no checkout keeps the token, and every workflow defaults to read-only contents', () => {
  let n = 0;
  for (const [f, wf] of Object.entries(WF)) {
    assert.deepEqual(wf.permissions, { contents: 'read' }, `${f}: workflow-level permissions`);
    for (const [name, job] of Object.entries(wf.jobs)) {
      for (const s of usesIn(job, 'actions/checkout')) {
        n++;
        assert.equal(s.with && s.with['persist-credentials'], false, `${f} job ${name}: a checkout keeps the GITHUB_TOKEN in .git/config, where later steps (and the pull request's code) can read it`);
      }
    }
  }
  assert.ok(n >= 10, `only ${n} checkouts found`);
});

test('every job that gets a role other than the previews\' runs only from main', () => {
  let n = 0;
  for (const [f, wf] of Object.entries(WF)) {
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (!job.environment || /-read$/.test(String(job.environment))) continue;
      n++;
      // deploy-env.yml's job is guarded by its callers (deploy.yml's
      // environments job and the needs chain after it).
      const guards = [job.if, ...callersOf(f).map(c => c.job.if || (c.job.needs ? `needs ${c.job.needs}` : ''))];
      const ok = job.if === "github.ref == 'refs/heads/main'" ||
        (callersOf(f).length > 0 && callersOf(f).every(c => c.job.if === "github.ref == 'refs/heads/main'" || c.job.needs));
      assert.ok(ok, `${f} job ${name} (environment ${job.environment}) may run from any branch: ${guards.join(', ')}`);
    }
  }
  assert.ok(n >= 5, `only ${n} jobs checked`);
  const first = WF['deploy.yml'].jobs.environments;
  assert.equal(first.if, "github.ref == 'refs/heads/main'");
  for (const [name, j] of Object.entries(WF['deploy.yml'].jobs)) {
    assert.ok(j === first || [].concat(j.needs || []).includes('environments'), `deploy.yml job ${name} does not follow the environments job`);
  }
});

test('the deploy role cannot change or pass the workflows\' own roles (no escalation through IAM)', () => {
  const glob = g => new RegExp('^' + g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$');
  const own = ['deploy', 'read', 'drift', 'verify', 'restore-drill', 'failover-drill'].map(r => `arn:aws:iam::<account>:role/pgplatform-<env>-${r}`);
  let iamStatements = 0;
  for (const s of policy('deploy').Statement) {
    if (s.Effect !== 'Allow' || ![].concat(s.Action).some(a => a.startsWith('iam:'))) continue;
    iamStatements++;
    for (const r of [].concat(s.Resource)) {
      assert.notEqual(r, '*', `deploy.json: ${s.Sid} on every IAM resource`);
      for (const arn of own) assert.doesNotMatch(arn, glob(r), `deploy.json: ${s.Sid} reaches ${arn}`);
    }
  }
  assert.ok(iamStatements >= 2);
  const pass = policy('deploy').Statement.find(s => [].concat(s.Action).includes('iam:PassRole'));
  assert.ok(pass.Condition && pass.Condition.StringEquals && pass.Condition.StringEquals['iam:PassedToService'], 'PassRole without iam:PassedToService');
});

test('WORKFLOWS.md lists every workflow, and every required check it names is a job that exists', () => {
  const doc = read('.github/WORKFLOWS.md');
  for (const f of Object.keys(WF)) assert.match(doc, new RegExp('^\\| `' + f.replace(/\./g, '\\.') + '` \\|', 'm'), `WORKFLOWS.md's table does not list ${f}`);
  const required = /Require the checks ([\s\S]*?), and\s/.exec(doc);
  assert.ok(required, 'WORKFLOWS.md names no required checks');
  const names = [...required[1].matchAll(/`([^`]+)`/g)].map(m => m[1]);
  assert.ok(names.includes('preview / gate'), 'the gate job must be the required preview check');
  const checks = new Set();
  for (const wf of Object.values(WF)) {
    for (const job of Object.values(wf.jobs)) {
      const n = String(job.name || '');
      if (/matrix\.node/.test(n)) for (const v of job.strategy.matrix.node) checks.add(`${wf.name} / ${n.replace(/\$\{\{\s*matrix\.node\s*\}\}/, v)}`);
      else checks.add(`${wf.name} / ${n}`);
    }
  }
  for (const n of names) assert.ok(checks.has(n.replace(/\s+/g, ' ')), `WORKFLOWS.md requires the check "${n}", which no job is named`);
});

// ---- environments come from data ------------------------------------------------------

// hardCodedEnvironments lists where a parsed workflow keeps its own list of
// environments instead of reading environments/network/: a value naming
// two or more of them (a choice list, a flow sequence, "dev, staging or
// prod" in a description), a choice input offering one, or a job that
// passes a literal environment to the deploy or verify chain (a copied
// per-environment job). One environment named alone (the restore drill's
// staging) is a decision about that environment, not a list.
function hardCodedEnvironments(wf, envs) {
  const found = [];
  const words = s => new Set((String(s).toLowerCase().match(/[a-z0-9][a-z0-9._-]*/g) || []).map(w => w.replace(/[._-]+$/, '')));
  const walk = (v, where) => {
    if (Array.isArray(v)) {
      const named = v.filter(x => typeof x === 'string' && envs.includes(x));
      if (named.length >= 2) found.push(`${where} lists ${named.join(', ')}`);
      v.forEach((x, i) => walk(x, `${where}[${i}]`));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, where ? `${where}.${k}` : k);
    } else if (typeof v === 'string') {
      const w = words(v);
      const named = envs.filter(e => w.has(e));
      if (named.length >= 2) found.push(`${where} names ${named.join(', ')}: ${JSON.stringify(v)}`);
    }
  };
  walk(wf, '');
  for (const trigger of ['workflow_dispatch', 'workflow_call']) {
    const inputs = ((wf.on || {})[trigger] || {}).inputs || {};
    for (const [name, input] of Object.entries(inputs)) {
      if (input && input.type === 'choice' && [].concat(input.options || []).some(o => envs.includes(String(o)))) {
        found.push(`on.${trigger}.inputs.${name} is a choice of environments`);
      }
    }
  }
  for (const [name, job] of Object.entries(wf.jobs || {})) {
    const env = job.with && job.with.environment;
    if (job.uses && envs.includes(String(env))) found.push(`jobs.${name} passes the literal environment ${env} to ${job.uses}`);
  }
  return found;
}

test('no workflow hard-codes a list of environments: they come from environments/network/', () => {
  const envs = environments.list().map(e => e.name);
  assert.ok(envs.length >= 3, `only ${envs.length} committed environments`);
  for (const [f, wf] of Object.entries(WF)) {
    assert.deepEqual(hardCodedEnvironments(wf, envs), [], `${f} keeps its own list of environments`);
  }
  // The check finds each form the workflows used to have.
  const old = parseYAML([
    'on:',
    '  workflow_dispatch:',
    '    inputs:',
    '      environment:',
    '        description: environment to verify (dev, staging or prod)',
    '        type: choice',
    '        options: [dev, staging, prod]',
    'jobs:',
    '  dev:',
    '    uses: ./.github/workflows/deploy-env.yml',
    '    with:',
    '      environment: dev',
    '  staging:',
    '    needs: dev',
    '    uses: ./.github/workflows/deploy-env.yml',
    '    with:',
    '      environment: staging',
    '  restore:',
    '    runs-on: ubuntu-24.04',
    '    environment: staging-restore-drill',
    '    steps:',
    '      - run: bin/restore-drill --env staging --stack orders-staging',
  ].join('\n'));
  assert.deepEqual(hardCodedEnvironments(old, ['dev', 'staging', 'prod']), [
    'on.workflow_dispatch.inputs.environment.description names dev, staging, prod: "environment to verify (dev, staging or prod)"',
    'on.workflow_dispatch.inputs.environment.options lists dev, staging, prod',
    'on.workflow_dispatch.inputs.environment is a choice of environments',
    'jobs.dev passes the literal environment dev to ./.github/workflows/deploy-env.yml',
    'jobs.staging passes the literal environment staging to ./.github/workflows/deploy-env.yml',
  ]);
});

test('deploy.yml chains one position per environment, in the order environments.js lists them, each gated by its GitHub environment', () => {
  const wf = WF['deploy.yml'];
  const first = wf.jobs.environments;
  assert.ok(first, 'deploy.yml has no environments job');
  assert.match(runOf(first), /out="\$\(node \.github\/scripts\/environments\.js promotion\)"[\s\S]*echo "\$out" \| tee -a "\$GITHUB_OUTPUT"/, 'the environments job does not list the environments with environments.js');
  const positions = Object.keys(wf.jobs).filter(n => n !== 'environments');
  assert.deepEqual(positions, Array.from({ length: environments.POSITIONS }, (_, i) => `env${i + 1}`),
    'deploy.yml\'s position jobs must be env1..envN, N = POSITIONS in environments.js');
  positions.forEach((name, i) => {
    const job = wf.jobs[name];
    const out = `needs.environments.outputs.${name}`;
    assert.equal(first.outputs[name], `\${{ steps.list.outputs.${name} }}`, `environments job output ${name}`);
    assert.deepEqual([].concat(job.needs), i === 0 ? ['environments'] : ['environments', positions[i - 1]], `${name} must follow the position before it`);
    assert.equal(job.if, `${out} != ''`, `${name} must be skipped past the last environment`);
    assert.equal(job.uses, './.github/workflows/deploy-env.yml', name);
    assert.equal(job.with.environment, `\${{ ${out} }}`, name);
    assert.equal(group(job.concurrency), `deploy-\${{ ${out} }}`, name);
  });
  // deploy-env.yml's deploy job runs in the GitHub environment it is given,
  // whose protection rules (prod: reviewers) gate it.
  assert.equal(WF['deploy-env.yml'].jobs.deploy.environment, '${{ inputs.environment }}');
});

test('an environment given by hand is checked against environments/network/ before any job names it', () => {
  for (const f of ['verify.yml', 'failover-drill.yml']) {
    const wf = WF[f];
    const input = wf.on.workflow_dispatch.inputs.environment;
    assert.equal(input.type, 'string', `${f}: the environment input`);
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (!/inputs\.environment/.test(String(job.environment || ''))) continue;
      const checks = [].concat(job.needs || []).filter(n => /node \.github\/scripts\/environments\.js check "\$ENVIRONMENT"/.test(runOf(wf.jobs[n])));
      assert.equal(checks.length, 1, `${f} job ${name} names the environment ${job.environment} without a job that checks it first`);
    }
  }
});
