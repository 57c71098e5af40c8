"""The municipality's administration: org units and duty queues, the FK role mapping, approval
rules and the payment threshold, the working-day calendar and restricted cases."""
