"""The shared kernel: settings, the one error hierarchy, IRIs and minting, the store
backends, the output-format registry, the default graph, the packaged files. Imports only
itself (README, "Where things live")."""
