"""Interactive review of the words ocrfix was least sure of: the queue (``queue``), line crops
(``crops``), decisions written to corrections.yaml (``actions``), the web app (``server``) and the
terminal review (``terminal``). Import the submodules; this package imports nothing heavy."""
