"""Management figures and gains: caseload, deadline compliance, spend over time and per child,
the Danmarks Statistik expenditure export, and the go-live baseline they are measured against."""
