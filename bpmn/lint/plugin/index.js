'use strict';

module.exports = {
  configs: {
    recommended: {
      rules: {
        'readable-ids': 'error',
        'user-task-form-and-group': 'error',
        'registered-job-types': 'error',
        'deadline-rule': 'error'
      }
    }
  },
  rules: {
    'readable-ids': './rules/readable-ids',
    'user-task-form-and-group': './rules/user-task-form-and-group',
    'registered-job-types': './rules/registered-job-types',
    'deadline-rule': './rules/deadline-rule'
  }
};
