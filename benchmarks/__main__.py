from benchmarks.cli import finish, main

finish(main())
