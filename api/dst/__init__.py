"""Reporting to Danmarks Statistik (BEK 1295/2023): the versioned code lists, the event files
built from the case store's statistics events, and the bookkeeping of each delivery."""
