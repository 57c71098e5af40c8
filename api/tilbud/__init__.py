"""The offer catalogue (tilbud): providers and offers imported from a Tilbudsportalen-shaped
file, each municipality's negotiated prices and experiences on top, and the search the decision
form uses."""
