'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { idsOf, lintFixture } = require('./helpers');

const RULE = 'boernesag/user-task-form-and-group';

function ours(results) {
  return Object.keys(results).filter(rule => rule.startsWith('boernesag/'));
}

test('a Zeebe user task with a linked form and candidate groups passes the whole config', async () => {
  assert.deepEqual(await lintFixture('valid-user-task.bpmn'), {});
});

test('a user task without zeebe:formDefinition is reported', async () => {
  const results = await lintFixture('user-task-without-form.bpmn');

  assert.deepEqual(ours(results), [ RULE ]);
  assert.deepEqual(idsOf(results, RULE), [ 'assess' ]);
  assert.match(results[RULE][0].message, /no linked form/);
});

test('a user task with an assignee but no candidate groups is reported', async () => {
  const results = await lintFixture('user-task-without-group.bpmn');

  assert.deepEqual(Object.keys(results), [ RULE ]);
  assert.deepEqual(idsOf(results, RULE), [ 'assess' ]);
  assert.match(results[RULE][0].message, /no candidate groups/);
});

test('a job-worker user task (no zeebe:userTask) is reported', async () => {
  const results = await lintFixture('job-worker-user-task.bpmn');

  assert.deepEqual(Object.keys(results), [ RULE ]);
  assert.deepEqual(idsOf(results, RULE), [ 'assess' ]);
  assert.match(results[RULE][0].message, /not a Zeebe user task/);
});
