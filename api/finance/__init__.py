"""Money: the kontostreng configuration, grants (bevillinger) with their projected spend, and the
periodic payments posted through FK-ØKO to the municipality's OPUS or Prisme."""
