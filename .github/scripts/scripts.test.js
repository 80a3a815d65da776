// Tests of the workflow scripts against an in-memory GitHub API.
// Run: node --test .github/scripts/*.test.js   (Node 20 or later, no packages;
// a folder argument fails on Node 22, which loads it as a module)
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const upsertReportComment = require('./pr-comment.js');
const syncDriftIssue = require('./drift-issue.js');

const BOT = { login: 'github-actions[bot]', type: 'Bot' };
const PERSON = { login: 'alice', type: 'User' };

// fakeGitHub keeps comments, issues and labels in memory and records the
// calls that write.
function fakeGitHub({ comments = [], issues = [], labels = [] } = {}) {
  let nextId = 1000;
  const writes = [];
  const state = { comments: [...comments], issues: [...issues], labels: [...labels] };
  const notFound = () => Object.assign(new Error('Not Found'), { status: 404 });
  const rest = {
    issues: {
      listComments: async ({ issue_number }) => ({ data: state.comments.filter(c => c.issue_number === issue_number) }),
      createComment: async ({ issue_number, body }) => {
        const c = { id: nextId++, issue_number, body, user: BOT, html_url: `https://github.test/c/${nextId}` };
        state.comments.push(c);
        writes.push(['createComment', issue_number]);
        return { data: c };
      },
      updateComment: async ({ comment_id, body }) => {
        const c = state.comments.find(x => x.id === comment_id);
        if (!c) throw notFound();
        c.body = body;
        writes.push(['updateComment', comment_id]);
        return { data: c };
      },
      deleteComment: async ({ comment_id }) => {
        state.comments = state.comments.filter(x => x.id !== comment_id);
        writes.push(['deleteComment', comment_id]);
        return { data: {} };
      },
      listForRepo: async ({ state: s, labels: l }) => ({
        data: state.issues.filter(i => i.state === s && (!l || i.labels.includes(l))),
      }),
      getLabel: async ({ name }) => {
        if (!state.labels.includes(name)) throw notFound();
        return { data: { name } };
      },
      createLabel: async ({ name }) => {
        if (state.labels.includes(name)) throw Object.assign(new Error('exists'), { status: 422 });
        state.labels.push(name);
        writes.push(['createLabel', name]);
        return { data: { name } };
      },
      create: async ({ title, body, labels: l }) => {
        const i = { number: nextId++, title, body, labels: l, state: 'open' };
        state.issues.push(i);
        writes.push(['create', i.number]);
        return { data: i };
      },
      update: async ({ issue_number, body, state: s }) => {
        const i = state.issues.find(x => x.number === issue_number);
        if (!i) throw notFound();
        if (body !== undefined) i.body = body;
        if (s !== undefined) i.state = s;
        writes.push(['update', issue_number]);
        return { data: i };
      },
    },
  };
  return {
    state,
    writes,
    github: { rest, paginate: async (fn, params) => (await fn(params)).data },
  };
}

const context = { repo: { owner: 'pgplatform', repo: 'platform' }, payload: { pull_request: { number: 7 } } };
const core = { info() {} };
const MARKER = '<!-- pgplatform:preview-report -->';
const report = (text) => `${MARKER}\n## Pulumi preview\n\n${text}\n`;

test('the first run creates the comment, later runs edit the same one', async () => {
  const gh = fakeGitHub();
  const first = await upsertReportComment({ github: gh.github, context, core, body: report('push 1') });
  assert.equal(first.action, 'created');
  const second = await upsertReportComment({ github: gh.github, context, core, body: report('push 2') });
  assert.equal(second.action, 'edited');
  assert.equal(second.id, first.id);
  assert.equal(gh.state.comments.length, 1);
  assert.match(gh.state.comments[0].body, /push 2/);
});

test("a person's comment quoting the marker, and other pull requests, are left alone", async () => {
  const quoted = { id: 1, issue_number: 7, user: PERSON, body: report('quoted by a reviewer') };
  const otherPR = { id: 2, issue_number: 8, user: BOT, body: report('another pull request') };
  const gh = fakeGitHub({ comments: [quoted, otherPR] });
  const r = await upsertReportComment({ github: gh.github, context, core, body: report('new') });
  assert.equal(r.action, 'created');
  assert.match(quoted.body, /quoted by a reviewer/);
  assert.match(otherPR.body, /another pull request/);
});

test('duplicate report comments collapse into the oldest one', async () => {
  const gh = fakeGitHub({
    comments: [
      { id: 30, issue_number: 7, user: BOT, body: report('old c') },
      { id: 10, issue_number: 7, user: BOT, body: report('old a') },
      { id: 20, issue_number: 7, user: BOT, body: report('old b') },
      { id: 40, issue_number: 7, user: BOT, body: 'an unrelated bot comment' },
    ],
  });
  const r = await upsertReportComment({ github: gh.github, context, core, body: report('fresh') });
  assert.equal(r.id, 10);
  assert.deepEqual(r.deleted.sort(), [20, 30]);
  assert.deepEqual(gh.state.comments.map(c => c.id).sort(), [10, 40]);
  assert.match(gh.state.comments.find(c => c.id === 10).body, /fresh/);
});

test('a report without its marker is refused', async () => {
  const gh = fakeGitHub();
  await assert.rejects(upsertReportComment({ github: gh.github, context, core, body: '## no marker\n' }), /hidden marker/);
  assert.equal(gh.writes.length, 0);
});

test('drift opens one issue per stack, then edits it in place', async () => {
  const gh = fakeGitHub();
  const opened = await syncDriftIssue({ github: gh.github, context, core, target: 'database/orders-staging', drifting: true, report: 'night 1', today: '2025-03-01' });
  assert.equal(opened.action, 'opened');
  assert.deepEqual(gh.state.labels, ['drift'], 'the label is created when missing');
  const other = await syncDriftIssue({ github: gh.github, context, core, target: 'network/staging', drifting: true, report: 'night 1 network', today: '2025-03-01' });
  assert.notEqual(other.number, opened.number, 'each stack has its own issue');
  const updated = await syncDriftIssue({ github: gh.github, context, core, target: 'database/orders-staging', drifting: true, report: 'night 2', today: '2025-03-02' });
  assert.equal(updated.action, 'updated');
  assert.equal(updated.number, opened.number);
  assert.equal(gh.state.issues.length, 2);
  const issue = gh.state.issues.find(i => i.number === opened.number);
  assert.equal(issue.title, 'Drift: database/orders-staging');
  assert.match(issue.body, /night 2/);
  assert.match(issue.body, /Last checked 2025-03-02/);
});

test('a stack back in line gets its issue closed; no issue, nothing to do', async () => {
  const gh = fakeGitHub();
  const { number } = await syncDriftIssue({ github: gh.github, context, core, target: 'network/dev', drifting: true, report: 'x' });
  const closed = await syncDriftIssue({ github: gh.github, context, core, target: 'network/dev', drifting: false, report: '', today: '2025-03-03' });
  assert.deepEqual(closed, { action: 'closed', number });
  assert.equal(gh.state.issues[0].state, 'closed');
  assert.match(gh.state.comments[0].body, /No drift in the check of 2025-03-03/);
  const again = await syncDriftIssue({ github: gh.github, context, core, target: 'network/dev', drifting: false, report: '' });
  assert.equal(again.action, 'none');
  const reopened = await syncDriftIssue({ github: gh.github, context, core, target: 'network/dev', drifting: true, report: 'y' });
  assert.equal(reopened.action, 'opened', 'a closed issue is not edited: drift again opens a new one');
});

test('a label created by a parallel job is not an error', async () => {
  const gh = fakeGitHub();
  const realGet = gh.github.rest.issues.getLabel;
  // Another job creates the label between our check and our create.
  gh.github.rest.issues.getLabel = async (p) => { gh.state.labels.push('drift'); gh.github.rest.issues.getLabel = realGet; throw Object.assign(new Error('nf'), { status: 404 }); };
  const r = await syncDriftIssue({ github: gh.github, context, core, target: 'network/prod', drifting: true, report: 'z' });
  assert.equal(r.action, 'opened');
});

test('a malformed target is refused', async () => {
  const gh = fakeGitHub();
  await assert.rejects(syncDriftIssue({ github: gh.github, context, core, target: 'orders-dev', drifting: true, report: '' }), /want <project>\/<stack>/);
});

// Every action the workflows use is pinned to a commit SHA.
const fs = require('node:fs');
const path = require('node:path');
const unpinnedActions = require('./pins.js');

test('unpinnedActions finds tags, branches and short SHAs, and passes SHAs and local actions', () => {
  const text = [
    'steps:',
    '  - uses: actions/checkout@v5',
    '  - uses: actions/cache/restore@main',
    "  - uses: 'owner/repo@0057852'",
    '  - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
    '  - uses: ./.github/actions/setup',
    '    uses: actions/cache/restore@0057852bfaa89a56745cba8c7296529d2fc39830',
  ].join('\n');
  assert.deepEqual(unpinnedActions(text), [
    { line: 2, ref: 'actions/checkout@v5' },
    { line: 3, ref: 'actions/cache/restore@main' },
    { line: 4, ref: 'owner/repo@0057852' },
  ]);
});

test('every workflow and composite action pins its actions to a commit SHA', () => {
  const root = path.join(__dirname, '..');
  const files = [
    ...fs.readdirSync(path.join(root, 'workflows')).filter(f => /\.ya?ml$/.test(f)).map(f => path.join(root, 'workflows', f)),
    ...fs.readdirSync(path.join(root, 'actions')).map(d => path.join(root, 'actions', d, 'action.yml')).filter(f => fs.existsSync(f)),
  ];
  assert.ok(files.length >= 8, `found only ${files.length} workflow files`);
  let uses = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    uses += (text.match(/^\s*(?:-\s*)?uses:/gm) || []).length;
    assert.deepEqual(unpinnedActions(text), [], `${path.relative(root, f)} uses actions not pinned to a commit SHA`);
  }
  assert.ok(uses > 0, 'no uses: lines found');
});

// ---- the override label counts only for the head commit it was given on ----

const { overrideFor, overrideForMergedCommit, approvedReport } = require('./override.js');
const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

// fakeOverrideAPI serves issue events, workflow runs and the pull requests
// of a commit.
function fakeOverrideAPI({ events = [], runs = [], pulls = [] }) {
  return {
    paginate: async (fn, params) => (await fn(params)).data,
    rest: {
      issues: { listEvents: async () => ({ data: events }) },
      actions: { listWorkflowRunsForRepo: async ({ head_sha }) => ({ data: runs.filter(r => r.head_sha === head_sha) }) },
      repos: { listPullRequestsAssociatedWithCommit: async () => ({ data: pulls }) },
    },
  };
}
const labeled = (at, event = 'labeled', name = 'allow-destructive-change') => ({ id: Date.parse(at), event, created_at: at, label: { name }, actor: { login: 'reviewer' } });
const run = (sha, at, event = 'pull_request') => ({ head_sha: sha, created_at: at, event });
const ask = (api, headSha = HEAD, author = 'alice') => overrideFor({ github: api, owner: 'o', repo: 'r', number: 7, headSha, author });

test('the label counts when it was added after the head commit reached the pull request', async () => {
  const api = fakeOverrideAPI({
    events: [labeled('2026-01-01T10:05:00Z')],
    runs: [run(HEAD, '2026-01-01T10:00:00Z'), run(HEAD, '2026-01-01T10:05:02Z')],
  });
  const r = await ask(api);
  assert.equal(r.allow, true, r.reason);
});

test('the pull request\'s author cannot approve their own destructive change', async () => {
  const api = fakeOverrideAPI({
    events: [{ ...labeled('2026-01-01T10:05:00Z'), actor: { login: 'alice' } }],
    runs: [run(HEAD, '2026-01-01T10:00:00Z')],
  });
  const r = await ask(api, HEAD, 'alice');
  assert.equal(r.allow, false);
  assert.match(r.reason, /needs someone else/);
  assert.equal((await ask(api, HEAD, 'bob')).allow, true);
  await assert.rejects(ask(api, HEAD, ''), /author is required/);
});

test('a push after the label voids it', async () => {
  const api = fakeOverrideAPI({
    events: [labeled('2026-01-01T10:05:00Z')],
    runs: [run(OLD, '2026-01-01T10:00:00Z'), run(HEAD, '2026-01-01T11:00:00Z')],
  });
  const r = await ask(api);
  assert.equal(r.allow, false);
  assert.match(r.reason, /before aaaaaaaaaaaa reached the pull request/);
});

test('a label removed, another label, or no label at all: no override', async () => {
  const runs = [run(HEAD, '2026-01-01T10:00:00Z')];
  assert.equal((await ask(fakeOverrideAPI({ runs, events: [labeled('2026-01-01T10:05:00Z'), labeled('2026-01-01T10:06:00Z', 'unlabeled')] }))).allow, false);
  assert.equal((await ask(fakeOverrideAPI({ runs, events: [labeled('2026-01-01T10:05:00Z', 'labeled', 'other')] }))).allow, false);
  assert.equal((await ask(fakeOverrideAPI({ runs, events: [] }))).allow, false);
  // Removed, then added again after the push: counts.
  const again = [labeled('2026-01-01T09:00:00Z'), labeled('2026-01-01T09:30:00Z', 'unlabeled'), labeled('2026-01-01T10:30:00Z')];
  assert.equal((await ask(fakeOverrideAPI({ runs, events: again }))).allow, true);
});

test('the push time is GitHub\'s first pull_request run of the SHA; none found fails closed', async () => {
  const events = [labeled('2026-01-01T10:05:00Z')];
  // Only a push-event run (e.g. a branch push) is not the pull request's.
  assert.equal((await ask(fakeOverrideAPI({ events, runs: [run(HEAD, '2026-01-01T09:00:00Z', 'push')] }))).allow, false);
  assert.equal((await ask(fakeOverrideAPI({ events, runs: [] }))).allow, false);
  await assert.rejects(ask(fakeOverrideAPI({ events }), 'abc'), /want 40 hex digits/);
});

test('a deploy finds the pull request that merged its commit and that pull request\'s head commit', async () => {
  const merge = 'c'.repeat(40);
  const pulls = [{ number: 7, merged_at: '2026-01-01T12:00:00Z', merge_commit_sha: merge, head: { sha: HEAD }, user: { login: 'alice' } }];
  const events = [labeled('2026-01-01T10:05:00Z')];
  const ok = await overrideForMergedCommit({ github: fakeOverrideAPI({ pulls, events, runs: [run(HEAD, '2026-01-01T10:00:00Z')] }), owner: 'o', repo: 'r', sha: merge });
  assert.equal(ok.allow, true, ok.reason);
  assert.equal(ok.headSha, HEAD);
  const late = await overrideForMergedCommit({ github: fakeOverrideAPI({ pulls, events, runs: [run(HEAD, '2026-01-01T11:00:00Z')] }), owner: 'o', repo: 'r', sha: merge });
  assert.equal(late.allow, false, 'the label predates the merged head commit');
  const none = await overrideForMergedCommit({ github: fakeOverrideAPI({ pulls: [], events }), owner: 'o', repo: 'r', sha: merge });
  assert.equal(none.allow, false);
  assert.match(none.reason, /no single pull request merged/);
  const open = await overrideForMergedCommit({ github: fakeOverrideAPI({ pulls: [{ ...pulls[0], merged_at: null }], events }), owner: 'o', repo: 'r', sha: merge });
  assert.equal(open.allow, false, 'an unmerged pull request containing the commit approves nothing');
});

// ---- a superseded run writes no comment ----

test('the comment is left alone when a newer push moved the head', async () => {
  const gh = fakeGitHub();
  gh.github.rest.pulls = { get: async () => ({ data: { head: { sha: HEAD } } }) };
  const stale = await upsertReportComment({ github: gh.github, context, core, body: report('old push'), headSha: OLD });
  assert.equal(stale.action, 'skipped');
  assert.equal(gh.writes.length, 0);
  const fresh = await upsertReportComment({ github: gh.github, context, core, body: report('new push'), headSha: HEAD });
  assert.equal(fresh.action, 'created');
});

// ---- artifacts of re-run jobs ----

const { superseded } = require('./latest-attempt.js');

test('only each stack\'s latest attempt is read', () => {
  assert.deepEqual(superseded([
    'preview-database-orders-dev-1', 'preview-database-orders-dev-2', 'preview-network-dev-1',
    'preview-database-orders-dev-10', 'preview-network-prod-3',
  ]), ['preview-database-orders-dev-1', 'preview-database-orders-dev-2']);
  assert.throws(() => superseded(['preview-network-dev']), /want preview-<project>-<stack>-<attempt>/);
});

test('the approved report is the bot\'s report comment, never a person\'s quote of it', async () => {
  const report = '<!-- pgplatform:preview-report -->\n<!-- pgplatform:destructive {"commit":"x","changes":[]} -->\n## Pulumi preview';
  const comments = [
    { id: 1, user: { type: 'User', login: 'mallory' }, body: report.replace('"changes":[]', '"changes":["database/orders-prod delete aws:rds/instance:Instance orders-prod-db"]') },
    { id: 2, user: { type: 'Bot', login: 'github-actions[bot]' }, body: 'some other bot comment' },
    { id: 3, user: { type: 'Bot', login: 'github-actions[bot]' }, body: report },
  ];
  const api = { paginate: async (fn, params) => (await fn(params)).data, rest: { issues: { listComments: async () => ({ data: comments }) } } };
  assert.equal(await approvedReport({ github: api, owner: 'o', repo: 'r', number: 7 }), report);
  const none = { paginate: api.paginate, rest: { issues: { listComments: async () => ({ data: comments.slice(0, 2) }) } } };
  assert.equal(await approvedReport({ github: none, owner: 'o', repo: 'r', number: 7 }), '', 'no bot report: nothing approved');
});
