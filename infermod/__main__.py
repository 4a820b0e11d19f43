from infermod.cli import main

raise SystemExit(main())
