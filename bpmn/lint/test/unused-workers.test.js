'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { findUnused, usedJobTypes } = require('../unused-workers');

const REGISTRY = {
  jobTypes: { 'cpr.lookup-person': {}, 'platform.noop': {}, 'platform.echo-token': {} },
  usedOutsideBpmn: []
};

test('job types are read from taskDefinition whatever the prefix, quotes and attribute order', () => {
  const xml = '<zeebe:taskDefinition type="a.b" retries="3" />' +
    "<z:taskDefinition retries='1' type='c.d'/>" +
    '<zeebe:taskHeaders><zeebe:header key="type" value="e.f" /></zeebe:taskHeaders>';

  assert.deepEqual(usedJobTypes(xml), [ 'a.b', 'c.d' ]);
});

test('a registered job type no model uses is reported', () => {
  const xml = '<zeebe:taskDefinition type="cpr.lookup-person" />' +
    '<zeebe:taskDefinition type="platform.echo-token" />';

  assert.deepEqual(findUnused(REGISTRY, [ xml ]), { unused: [ 'platform.noop' ], unknownExemptions: [] });
});

test('usedOutsideBpmn exempts a job type, and an exemption for an unknown type is reported', () => {
  const registry = { ...REGISTRY, usedOutsideBpmn: [ 'platform.noop', 'gone.type' ] };
  const xml = '<zeebe:taskDefinition type="cpr.lookup-person" />';

  assert.deepEqual(findUnused(registry, [ xml ]), {
    unused: [ 'platform.echo-token' ],
    unknownExemptions: [ 'gone.type' ]
  });
});
