'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { idsOf, lintFixture } = require('./helpers');

const RULE = 'boernesag/registered-job-types';

test('a job type that workers/ registers passes the whole config', async () => {
  assert.deepEqual(await lintFixture('valid-job-type.bpmn'), {});
});

test('a job type no worker registers is reported on its task', async () => {
  const results = await lintFixture('unregistered-job-type.bpmn');

  assert.deepEqual(Object.keys(results), [ RULE ]);
  assert.deepEqual(idsOf(results, RULE), [ 'do_unknown' ]);
  assert.match(results[RULE][0].message, /<platform\.does-not-exist> is not registered/);
});

test('a job type given as a FEEL expression is reported, since it cannot be checked', async () => {
  const results = await lintFixture('expression-job-type.bpmn');

  assert.deepEqual(Object.keys(results), [ RULE ]);
  assert.deepEqual(idsOf(results, RULE), [ 'do_dynamic' ]);
  assert.match(results[RULE][0].message, /is an expression/);
});
