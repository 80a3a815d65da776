// Tests of the YAML subset parser the workflow tests read workflows with.
// Run: node --test .github/scripts/*.test.js
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { parseYAML } = require('./yaml.js');

test('mappings, sequences, compact "- key:" items and scalars', () => {
  const doc = parseYAML([
    'name: ci # a comment',
    'on:',
    '  push:',
    '    branches: [main, "release/*"]',
    'jobs:',
    '  a:',
    '    timeout-minutes: 90',
    '    cancel: false',
    '    steps:',
    '      - uses: x/y@abc # v1',
    '        with:',
    "          k: 'it''s'",
    '      - run: echo "#not a comment"',
    '      -',
    '        name: nested',
    'list:',
    '- one',
    '- two',
    'empty:',
    'flow: {a: 1, b: "x, y"}',
  ].join('\n'));
  assert.deepEqual(doc, {
    name: 'ci',
    on: { push: { branches: ['main', 'release/*'] } },
    jobs: { a: {
      'timeout-minutes': 90,
      cancel: false,
      steps: [
        { uses: 'x/y@abc', with: { k: "it's" } },
        { run: 'echo "#not a comment"' },
        { name: 'nested' },
      ],
    } },
    list: ['one', 'two'],
    empty: null,
    flow: { a: 1, b: 'x, y' },
  });
});

test('block scalars: literal keeps lines, folded joins them, chomping', () => {
  const doc = parseYAML([
    'a: |',
    '  line 1',
    '    indented',
    '',
    '  line 3',
    'b: >-',
    '  one',
    '  two',
    '',
    '  three',
    'c: |-',
    '  x # kept',
    'd: >',
    '  folded',
    'e: plain',
    '  continued',
  ].join('\n'));
  assert.equal(doc.a, 'line 1\n  indented\n\nline 3\n');
  assert.equal(doc.b, 'one two\nthree');
  assert.equal(doc.c, 'x # kept');
  assert.equal(doc.d, 'folded\n');
  assert.equal(doc.e, 'plain continued');
});

test('expressions and quoted keys stay strings', () => {
  const doc = parseYAML('group: preview-${{ github.event.pull_request.number }}\n"on": x\nif: ${{ !cancelled() }}\n');
  assert.deepEqual(doc, { group: 'preview-${{ github.event.pull_request.number }}', on: 'x', if: '${{ !cancelled() }}' });
});

test('unsupported or broken input is an error naming the line', () => {
  assert.throws(() => parseYAML('a: &anchor x\n'), /line 1: anchors/);
  assert.throws(() => parseYAML('a: 1\na: 2\n'), /line 2: duplicate key a/);
  assert.throws(() => parseYAML('a:\n  b: 1\n   c: 2\n'), /line 3: /);
  assert.throws(() => parseYAML('a: "open\n'), /line 1: unterminated/);
  assert.throws(() => parseYAML('---\na: 1\n'), /document markers/);
  assert.throws(() => parseYAML('a: [1, 2\n'), /line 1/);
});
