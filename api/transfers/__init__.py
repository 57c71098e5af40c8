"""Case transfer between municipalities (BL § 132) through SF2900: packages out and in."""
