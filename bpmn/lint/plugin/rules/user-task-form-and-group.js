'use strict';

const { extensionValue, is, isBlank, reportIfZeebeUnknown } = require('./helper');

/**
 * Our task list serves Zeebe user tasks only, renders linked Camunda forms only, and shows a
 * task to the candidate groups named on it: a user task lacking any of these is never worked.
 */
module.exports = function userTaskFormAndGroup() {

  function check(node, reporter) {
    if (reportIfZeebeUnknown(node, reporter) || !is(node, 'bpmn:UserTask')) {
      return;
    }

    if (!extensionValue(node, 'zeebe:UserTask')) {
      reporter.report(node.id, 'User task is not a Zeebe user task (add <zeebe:userTask/>)');
    }

    const form = extensionValue(node, 'zeebe:FormDefinition');

    if (!form || isBlank(form.formId)) {
      reporter.report(node.id, 'User task has no linked form (add <zeebe:formDefinition formId="..."/>)');
    }

    const assignment = extensionValue(node, 'zeebe:AssignmentDefinition');

    if (!assignment || isBlank(assignment.candidateGroups)) {
      reporter.report(node.id, 'User task has no candidate groups (add <zeebe:assignmentDefinition candidateGroups="..."/>)');
    }
  }

  return { check };
};
