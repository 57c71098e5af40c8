"""The analysts' modeler: element templates, the deploy check and deployment, versions."""
