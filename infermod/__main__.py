from infermod.cli import entry

raise SystemExit(entry())
