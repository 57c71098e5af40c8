'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { idsOf, lintFixture } = require('./helpers');

const RULE = 'boernesag/deadline-rule';

test('start, intermediate and boundary timers with catalogue rules pass the whole config', async () => {
  assert.deepEqual(await lintFixture('valid-timers.bpmn'), {});
});

test('an intermediate timer without deadlineRule is reported', async () => {
  const results = await lintFixture('timer-without-rule.bpmn');

  assert.deepEqual(Object.keys(results), [ RULE ]);
  assert.deepEqual(idsOf(results, RULE), [ 'wait_for_deadline' ]);
  assert.match(results[RULE][0].message, /no deadline rule/);
});

test('a timer start event without deadlineRule is reported', async () => {
  const results = await lintFixture('timer-start-without-rule.bpmn');

  assert.deepEqual(Object.keys(results), [ RULE ]);
  assert.deepEqual(idsOf(results, RULE), [ 'every_morning' ]);
});

test('a boundary timer whose rule the catalogue lacks is reported with the rule id', async () => {
  const results = await lintFixture('timer-with-unknown-rule.bpmn');

  assert.deepEqual(Object.keys(results), [ RULE ]);
  assert.deepEqual(idsOf(results, RULE), [ 'deadline_passed' ]);
  assert.match(results[RULE][0].message, /unknown deadline rule <D99>/);
});
