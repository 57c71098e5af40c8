'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const { FIXTURES, LINT_DIR, idsOf, lintFixture } = require('./helpers');

const ZEEBE_RULES = [
  'boernesag/deadline-rule',
  'boernesag/registered-job-types',
  'boernesag/user-task-form-and-group'
];

test('every lint fixture is either valid-* or fails exactly one of our rules', async () => {
  for (const name of fs.readdirSync(FIXTURES).filter(f => f.endsWith('.bpmn'))) {
    const ours = Object.keys(await lintFixture(name)).filter(rule => rule.startsWith('boernesag/'));

    assert.equal(ours.length, name.startsWith('valid-') ? 0 : 1, `${ name }: ${ ours }`);
  }
});

test('a diagram parsed without the zeebe extension fails instead of passing vacuously', async () => {
  const results = await lintFixture('valid-job-type.bpmn', { zeebe: false });

  for (const rule of ZEEBE_RULES) {
    assert.ok(idsOf(results, rule).includes('valid_job_type_definitions'), rule);
  }
});

test('the config extends recommended, camunda-compat 8.5 and our plugin, with nothing turned off', () => {
  const config = JSON.parse(fs.readFileSync(path.join(LINT_DIR, '.bpmnlintrc'), 'utf8'));

  assert.deepEqual(config.extends, [
    'bpmnlint:recommended',
    'plugin:camunda-compat/camunda-cloud-8-5',
    'plugin:boernesag/recommended'
  ]);
  assert.deepEqual(config.rules || {}, {});
});
