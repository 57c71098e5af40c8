"""KLE, the handlingsfacetter and the kontoplan as data: loaded from SF1510 Klassifikation."""
